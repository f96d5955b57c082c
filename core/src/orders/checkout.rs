//! Checkout (下单): re-price on the server, compare, decide what to hold and
//! redeem; and the coupon wallet view.
//!
//! Rule: with a `fulfilment`, the serving store is decided first
//! ([`super::serving`]: `NO_STORE_CAN_SERVE` when none can) and its fee is
//! the quote's shipping. The shopper's lines (the same SKU twice is one line) are priced with
//! [`pricing::quote`] against the server's [`Storefront`] and the coupons the
//! shopper holds (their choice, or the best combination when they chose
//! none). If the quote's payable differs from `expected_payable` (what the
//! page showed) by even one fen, checkout stops with `PRICE_CHANGED` (409)
//! carrying the new quote; the shopper confirms again. Otherwise the order is
//! created `pending_payment`, payable by `now + payment_timeout_s`, with each
//! line's allocated payable kept for refunds; it holds, all or nothing, each
//! SKU's stock (at the serving store, or the warehouse's without a
//! fulfilment), the shopper's purchase limit, and a flash sale's own stock and
//! per-shopper limit - split by keeper ([`super::stock`]); it redeems the
//! coupons the quote applied and the points it used. [`preview`] is the
//! same decision without the price check, for the checkout page.
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
use super::serving::{OrderFulfilment, Served};
use super::state::{Order, OrderLine, OrderStatus};
use super::stock::{stock_counter, Hold, HoldKind, Keeper, Reservation};
use crate::catalog::{Catalog, CatalogSnapshot};
use crate::fulfilment::{Fulfilment, FulfilmentRules, LiveStock};
use crate::lbs::StoreSnapshot;
use crate::money::Money;
use crate::pricing::{
    self, Activity, ActivityKind, ActivityRule, Coupon, CouponReason, CouponSelection, Customer,
    FullReduction, LineRequest, PointsRule, Quote, QuoteRequest, QuotedLine, ShippingRule,
    StackingRules,
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
    /// Pickup, delivery and parcel rules for orders with a `fulfilment`.
    #[serde(default, deserialize_with = "crate::api::object")]
    pub fulfilment: FulfilmentRules,
}

impl Storefront {
    /// The storefront fields a quote request does not take: the coupons
    /// to claim (a quote prices the shopper's own) and the fulfilment rules
    /// (a checkout prices them as shipping). Every other field is a
    /// [`QuoteRequest`] field of the same name (tested).
    pub const NOT_PRICING: &'static [&'static str] = &["coupons", "fulfilment"];

    /// The claimable coupons among `ids` (a shopper's wallet), in `ids`'
    /// order; ids the storefront no longer offers are left out.
    pub fn held_coupons(&self, ids: &[String]) -> Vec<Coupon> {
        ids.iter()
            .filter_map(|id| self.coupons.iter().find(|c| &c.id == id).cloned())
            .collect()
    }

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Pickup at a store, delivery or a parcel; absent: shipped from the
    /// warehouse by the storefront's `shipping` rule.
    #[serde(default)]
    pub fulfilment: Option<Fulfilment>,
}

/// Request of the `order_checkout` and `order_preview` operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The stores (needed for a `fulfilment`).
    #[serde(default)]
    pub stores: Option<StoreSnapshot>,
    /// The stores' live stock ([`super::serving::live_stock`]); a store not
    /// listed is judged by its snapshot.
    #[serde(default)]
    pub live: LiveStock,
}

/// What checkout decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckoutDecision {
    pub order: Order,
    /// One per stock keeper, in the order to take them.
    pub reservations: Vec<Reservation>,
    pub redeem_coupons: Vec<String>,
    pub redeem_points: i64,
}

/// What a checkout would do now (`order_preview`): the quote, who serves
/// the order, and whether the payable differs from `expected_payable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Preview {
    pub quote: Quote,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<OrderFulfilment>,
    /// `quote.payable` differs from `expected_payable`: a checkout now
    /// would be `PRICE_CHANGED`.
    pub price_changed: bool,
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

/// Price a checkout and decide who serves it, without the price check.
fn priced(request: &CheckoutRequest) -> Result<(Quote, Option<Served>), OrderError> {
    let body = &request.body;
    if body.lines.is_empty() {
        return Err(OrderError::EmptyOrder);
    }
    let lines = merged(&body.lines);
    let served = body
        .fulfilment
        .as_ref()
        .map(|f| {
            Served::decide(
                &request.storefront.fulfilment,
                request.stores.as_ref(),
                &request.live,
                request.now,
                &lines,
                f,
            )
        })
        .transpose()?;
    let selection = match &body.coupon_ids {
        Some(ids) => CouponSelection::Chosen {
            coupon_ids: ids.clone(),
        },
        None => CouponSelection::Best,
    };
    let mut quote_request = request.storefront.quote_request(
        lines,
        request.customer.clone(),
        request.wallet.clone(),
        selection,
        body.use_points,
        request.now,
    );
    if let Some(served) = &served {
        quote_request.shipping = Some(served.shipping.clone());
    }
    let quote = pricing::quote(&quote_request)?;
    if let Some(served) = &served {
        served.check_minimum(&quote)?;
    }
    Ok((quote, served))
}

/// What a checkout would do now (the `order_preview` operation).
pub fn preview(request: &CheckoutRequest) -> Result<Preview, OrderError> {
    let (quote, served) = priced(request)?;
    Ok(Preview {
        price_changed: quote.payable != request.body.expected_payable,
        quote,
        fulfilment: served.map(|s| s.fulfilment),
    })
}

/// Decide a checkout (see the module rule).
pub fn checkout(request: &CheckoutRequest) -> Result<CheckoutDecision, OrderError> {
    let body = &request.body;
    let (quote, served) = priced(request)?;
    if quote.payable != body.expected_payable {
        return Err(OrderError::PriceChanged {
            expected: body.expected_payable,
            quote: Box::new(quote),
        });
    }
    let pay_by = request.now.saturating_add(request.payment_timeout_s.max(0));
    let reservations = reservations(request, &quote, served.as_ref(), pay_by)?;
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
        fulfilment: served.map(|s| s.fulfilment),
        pickup: None,
        shipment: None,
        stock_keepers: reservations.iter().map(|r| r.keeper.clone()).collect(),
        quote,
    };
    Ok(CheckoutDecision {
        redeem_points: order.points_used,
        order,
        reservations,
        redeem_coupons,
    })
}

/// The stock and limits the quoted lines hold, one reservation per keeper
/// in keeper-name order (see [`super::stock`]).
fn reservations(
    request: &CheckoutRequest,
    quote: &Quote,
    served: Option<&Served>,
    expires_at: i64,
) -> Result<Vec<Reservation>, OrderError> {
    let storefront = &request.storefront;
    let user_id = &request.user_id;
    let catalog = Catalog::new(&storefront.catalog).map_err(pricing::PricingError::from)?;
    let mut by_keeper: BTreeMap<String, Vec<Hold>> = BTreeMap::new();
    let mut hold = |keeper: Keeper, counter: String, line: &QuotedLine, kind: HoldKind| {
        by_keeper.entry(keeper.name()).or_default().push(Hold {
            counter,
            sku_id: line.sku_id.clone(),
            quantity: line.quantity,
            kind,
        })
    };
    for line in &quote.lines {
        let Some(item) = catalog.sku(&line.sku_id) else {
            continue;
        };
        match served {
            // A store that tracks no stock holds nothing.
            Some(s) => {
                if let Some(stock) = &s.store_stock {
                    let initial = stock.get(&line.sku_id).copied().unwrap_or(0);
                    hold(
                        Keeper::Store(s.fulfilment.store_id().to_owned()),
                        stock_counter(&line.sku_id),
                        line,
                        HoldKind::Stock { initial },
                    );
                }
            }
            None => hold(
                Keeper::Warehouse,
                stock_counter(&line.sku_id),
                line,
                HoldKind::Stock {
                    initial: item.sku.stock,
                },
            ),
        }
        if let Some(limit) = item.sku.purchase_limit {
            hold(
                Keeper::Shopper(user_id.clone()),
                format!("bought:{user_id}:{}", line.sku_id),
                line,
                HoldKind::Limit { limit },
            );
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
                hold(
                    Keeper::Flash(id.clone()),
                    format!("flash:{id}"),
                    line,
                    HoldKind::Stock { initial: *stock },
                );
            }
            if let Some(limit) = per_user_limit {
                hold(
                    Keeper::Flash(id.clone()),
                    format!("flash-bought:{user_id}:{id}"),
                    line,
                    HoldKind::Limit { limit: *limit },
                );
            }
        }
    }
    Ok(by_keeper
        .into_iter()
        .map(|(keeper, holds)| Reservation {
            keeper,
            order_id: request.order_id.clone(),
            user_id: user_id.clone(),
            expires_at,
            holds,
        })
        .collect())
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
