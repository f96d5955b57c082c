//! Checkout (下单): re-price on the server, compare, decide what to hold and
//! redeem; and the coupon wallet view.
//!
//! Rule: the shopper's lines (the same SKU twice is one line) are priced with
//! [`pricing::quote`] against the server's [`Storefront`] and the coupons the
//! shopper holds (their choice, or the best combination when they chose
//! none). If the quote's payable differs from `expected_payable` (what the
//! page showed) by even one fen, checkout stops with `PRICE_CHANGED` (409)
//! carrying the new quote; the shopper confirms again. Otherwise the order is
//! created `pending_payment`, payable by `now + payment_timeout_s`, with each
//! line's allocated payable kept for refunds; it holds, all or nothing, each
//! SKU's stock, the shopper's purchase limit, and a flash sale's own stock and
//! per-shopper limit; it redeems the coupons the quote applied and the
//! points it used.
//!
//! Example: tea 1800 x 2 with a 满3000减300 full reduction quotes 3300; a
//! client expecting 3000 gets `PRICE_CHANGED` with `payable` 3300; one
//! expecting 3300 gets an order of 3300 holding 2 units of `stock:tea`.
//!
//! Invariants: the order's amounts are exactly the quote's; the decision is a
//! pure function of its request (same request, same order), which is what
//! lets a retried checkout with the same idempotency key land on the same
//! order.

use super::error::OrderError;
use super::state::{Order, OrderLine, OrderStatus};
use super::stock::{Hold, HoldKind, Reservation};
use crate::catalog::{Catalog, CatalogSnapshot};
use crate::money::Money;
use crate::pricing::{
    self, Activity, ActivityKind, ActivityRule, Coupon, CouponReason, CouponSelection, Customer,
    FullReduction, LineRequest, PointsRule, Quote, QuoteRequest, ShippingRule, StackingRules,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the shop sells and its rules, as published (`GET /v1/catalog`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Storefront {
    pub catalog: CatalogSnapshot,
    #[serde(default)]
    pub member_discounts: BTreeMap<String, i64>,
    #[serde(default)]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub full_reductions: Vec<FullReduction>,
    #[serde(default, deserialize_with = "crate::api::object")]
    pub stacking: StackingRules,
    #[serde(default)]
    pub points: Option<PointsRule>,
    #[serde(default)]
    pub shipping: Option<ShippingRule>,
    /// Coupons shoppers may claim (`POST /v1/coupons/claim`).
    #[serde(default)]
    pub coupons: Vec<Coupon>,
}

impl Storefront {
    /// A quote request for `lines` with this storefront's rules.
    pub fn quote_request(
        &self,
        lines: Vec<LineRequest>,
        customer: Customer,
        coupons: Vec<Coupon>,
        coupon_selection: CouponSelection,
        use_points: i64,
        now: i64,
    ) -> QuoteRequest {
        QuoteRequest {
            catalog: self.catalog.clone(),
            lines,
            now,
            customer,
            member_discounts: self.member_discounts.clone(),
            activities: self.activities.clone(),
            full_reductions: self.full_reductions.clone(),
            coupons,
            stacking: self.stacking.clone(),
            coupon_selection,
            points: self.points.clone(),
            use_points,
            shipping: self.shipping.clone(),
        }
    }
}

/// What the shopper sends to check out (`POST /v1/orders`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    /// At least one (`EMPTY_ORDER`).
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub lines: Vec<LineRequest>,
    /// The coupons to use; absent: the best combination.
    #[serde(default)]
    pub coupon_ids: Option<Vec<String>>,
    #[serde(default)]
    pub use_points: i64,
    /// The payable the page showed, in fen.
    pub expected_payable: Money,
}

/// Request of the `order_checkout` operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckoutRequest {
    pub storefront: Storefront,
    pub order_id: String,
    pub user_id: String,
    pub now: i64,
    pub payment_timeout_s: i64,
    /// The shopper as pricing sees them (tier, points balance, coupon uses).
    #[serde(default, deserialize_with = "crate::api::object")]
    pub customer: Customer,
    /// The coupons the shopper holds and has not redeemed.
    #[serde(default)]
    pub wallet: Vec<Coupon>,
    pub body: CheckoutBody,
}

/// What checkout decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckoutDecision {
    pub order: Order,
    pub reservation: Reservation,
    pub redeem_coupons: Vec<String>,
    pub redeem_points: i64,
}

/// The same SKU twice is one line, in first-seen order.
fn merged(lines: &[LineRequest]) -> Vec<LineRequest> {
    let mut out: Vec<LineRequest> = Vec::with_capacity(lines.len());
    for line in lines {
        match out.iter_mut().find(|l| l.sku_id == line.sku_id) {
            Some(l) => l.quantity = l.quantity.saturating_add(line.quantity),
            None => out.push(line.clone()),
        }
    }
    out
}

/// Decide a checkout (see the module rule).
pub fn checkout(request: &CheckoutRequest) -> Result<CheckoutDecision, OrderError> {
    let body = &request.body;
    if body.lines.is_empty() {
        return Err(OrderError::EmptyOrder);
    }
    let selection = match &body.coupon_ids {
        Some(ids) => CouponSelection::Chosen {
            coupon_ids: ids.clone(),
        },
        None => CouponSelection::Best,
    };
    let quote_request = request.storefront.quote_request(
        merged(&body.lines),
        request.customer.clone(),
        request.wallet.clone(),
        selection,
        body.use_points,
        request.now,
    );
    let quote = pricing::quote(&quote_request)?;
    if quote.payable != body.expected_payable {
        return Err(OrderError::PriceChanged {
            expected: body.expected_payable,
            quote: Box::new(quote),
        });
    }
    let pay_by = request.now.saturating_add(request.payment_timeout_s.max(0));
    let reservation = Reservation {
        order_id: request.order_id.clone(),
        user_id: request.user_id.clone(),
        expires_at: pay_by,
        holds: holds(&request.storefront, &quote, &request.user_id)?,
    };
    let redeem_coupons: Vec<String> = quote
        .coupons
        .applied
        .iter()
        .map(|c| c.coupon_id.clone())
        .collect();
    let order = Order {
        id: request.order_id.clone(),
        user_id: request.user_id.clone(),
        status: OrderStatus::PendingPayment,
        version: 1,
        created_at: request.now,
        updated_at: request.now,
        pay_by,
        lines: quote
            .lines
            .iter()
            .map(|l| OrderLine {
                sku_id: l.sku_id.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                total: l.total,
                payable: l.payable,
                refunded_quantity: 0,
                refunded_amount: Money::ZERO,
            })
            .collect(),
        shipping_payable: quote.shipping.payable,
        payable: quote.payable,
        coupon_ids: redeem_coupons.clone(),
        points_used: quote.points.used,
        points_earned: quote.points.earned,
        payment: None,
        refunds: Vec::new(),
        cancel_reason: None,
        quote,
    };
    Ok(CheckoutDecision {
        redeem_points: order.points_used,
        order,
        reservation,
        redeem_coupons,
    })
}

/// The stock and limits the quoted lines hold.
fn holds(storefront: &Storefront, quote: &Quote, user_id: &str) -> Result<Vec<Hold>, OrderError> {
    let catalog = Catalog::new(&storefront.catalog).map_err(pricing::PricingError::from)?;
    let mut holds = Vec::new();
    for line in &quote.lines {
        let Some(item) = catalog.sku(&line.sku_id) else {
            continue;
        };
        let hold = |counter: String, kind: HoldKind| Hold {
            counter,
            sku_id: line.sku_id.clone(),
            quantity: line.quantity,
            kind,
        };
        holds.push(hold(
            format!("stock:{}", line.sku_id),
            HoldKind::Stock {
                initial: item.sku.stock,
            },
        ));
        if let Some(limit) = item.sku.purchase_limit {
            holds.push(hold(
                format!("bought:{user_id}:{}", line.sku_id),
                HoldKind::Limit { limit },
            ));
        }
        let flash = line
            .activity
            .as_ref()
            .filter(|a| a.kind == ActivityKind::FlashSale)
            .and_then(|a| storefront.activities.iter().find(|x| x.id == a.activity_id));
        if let Some(Activity {
            id,
            rule:
                ActivityRule::FlashSale {
                    per_user_limit,
                    stock,
                    ..
                },
            ..
        }) = flash
        {
            if let Some(stock) = stock {
                holds.push(hold(
                    format!("flash:{id}"),
                    HoldKind::Stock { initial: *stock },
                ));
            }
            if let Some(limit) = per_user_limit {
                holds.push(hold(
                    format!("flash-bought:{user_id}:{id}"),
                    HoldKind::Limit { limit: *limit },
                ));
            }
        }
    }
    Ok(holds)
}

/// Request of the `coupon_wallet` operation: which held coupons a cart can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WalletRequest {
    pub storefront: Storefront,
    pub now: i64,
    #[serde(default, deserialize_with = "crate::api::object")]
    pub customer: Customer,
    pub wallet: Vec<Coupon>,
    /// The cart to judge them on; empty: judged on nothing (all out of scope).
    #[serde(default)]
    pub lines: Vec<LineRequest>,
}

/// One held coupon, usable on the cart or not and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WalletCoupon {
    pub coupon: Coupon,
    pub usable: bool,
    /// Whether the best combination for this cart uses it.
    pub in_best: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CouponReason>,
}

/// The wallet (我的优惠券): usable coupons first, then the others, each in
/// the order held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WalletView {
    pub coupons: Vec<WalletCoupon>,
    /// The best combination's saving on this cart.
    pub best_saving: Money,
}

/// Judge every held coupon on a cart: a coupon is usable unless pricing
/// reports a reason it does not apply; one left out of the best combination
/// only because it does not combine with a better one is usable (alone),
/// with that reason shown.
pub fn wallet(request: &WalletRequest) -> Result<WalletView, OrderError> {
    let best = if request.lines.is_empty() {
        None
    } else {
        let quote_request = request.storefront.quote_request(
            merged(&request.lines),
            request.customer.clone(),
            request.wallet.clone(),
            CouponSelection::Best,
            0,
            request.now,
        );
        Some(pricing::best_coupons(&quote_request)?)
    };
    let mut coupons: Vec<WalletCoupon> = request
        .wallet
        .iter()
        .map(|c| {
            let reason = match &best {
                None => Some(CouponReason::OutOfScope),
                Some(b) => b
                    .quote
                    .coupons
                    .not_applicable
                    .iter()
                    .find(|n| n.coupon_id == c.id)
                    .map(|n| n.reason.clone()),
            };
            WalletCoupon {
                coupon: c.clone(),
                usable: matches!(reason, None | Some(CouponReason::NotCombinableWith { .. })),
                in_best: best.as_ref().is_some_and(|b| b.coupon_ids.contains(&c.id)),
                reason,
            }
        })
        .collect();
    coupons.sort_by_key(|c| !c.usable);
    Ok(WalletView {
        coupons,
        best_saving: best.map_or(Money::ZERO, |b| b.saving),
    })
}
