//! The fixed pricing pipeline and its ledger.
//!
//! Rule: member price -> activity price (flash sale, group buy, limited-time,
//! quantity ladder: one per line) -> full reductions (shop, then platform) ->
//! shop coupons -> platform coupons -> points -> shipping (fee, free-shipping
//! threshold, shipping coupons). Each step after activity prices takes an
//! amount from some ledger slots (one per line, one for shipping), clamped to
//! what they owe and allocated by largest remainder; the ledger records each
//! step's order-level amount and every line's share.
//!
//! Example: tea 2 x 1800 (list) with 满3000减300 and a 10%-off platform
//! coupon: subtotal 3600; full reduction 300 -> 3300 owed; coupon 10% of
//! 3300 = 330 -> goods payable 2970.
//!
//! Invariants: lines are priced in a canonical order (SKU id, quantity,
//! request position) and reported in request order, so reordering a cart
//! changes nothing but the order of the output lines; every slot owes >= 0
//! at every step; nothing here reads a clock, a file or a random number.

use super::activity;
use super::activity::PriceSource;
use super::activity_prices;
use super::contract::{Quote, QuoteRequest, QuotedLine};
use super::coupons::{self, CouponContext};
use super::error::{PricingError, RuleCheck, RuleKind};
use super::full_reduction;
use super::ledger::{Ledger, Line};
use super::points;
use super::selection;
use super::selection::CouponSelection;
use super::shipping::ShippingOutcome;
use crate::catalog::Catalog;
use crate::money::Money;

fn validate(request: &QuoteRequest) -> Result<(), PricingError> {
    activity::validate(&request.activities)?;
    full_reduction::validate(&request.full_reductions)?;
    coupons::validate(&request.coupons, &request.stacking)?;
    for (tier, percent) in &request.member_discounts {
        RuleCheck {
            rule: RuleKind::Membership,
            id: tier,
        }
        .percent(*percent)?;
    }
    if let Some(rule) = &request.points {
        rule.validate()?;
    }
    if let Some(rule) = &request.shipping {
        rule.validate()?;
    }
    Ok(())
}

/// Resolve the request's lines at member price, in canonical order.
fn member_priced_lines<'a>(
    request: &QuoteRequest,
    catalog: &Catalog<'a>,
) -> Result<Vec<Line<'a>>, PricingError> {
    let tier = request.customer.member_tier.as_deref();
    let mut lines = Vec::with_capacity(request.lines.len());
    for (request_index, line) in request.lines.iter().enumerate() {
        let item = catalog
            .sku(&line.sku_id)
            .ok_or_else(|| PricingError::UnknownSku {
                sku_id: line.sku_id.clone(),
            })?;
        if line.quantity <= 0 {
            return Err(PricingError::InvalidQuantity {
                sku_id: line.sku_id.clone(),
                quantity: line.quantity,
            });
        }
        let list_price = item.sku.list_price;
        list_price.times(line.quantity)?;
        let tier_price = tier.and_then(|t| item.sku.tier_prices.get(t)).copied();
        let tier_discount = tier.and_then(|t| request.member_discounts.get(t)).copied();
        let member_price = match (tier_price, tier_discount) {
            (Some(price), _) => Some(price),
            (None, Some(percent)) => Some(list_price.checked_sub(list_price.percent(percent)?)?),
            (None, None) => None,
        };
        let (unit_price, price_source) = match member_price {
            Some(price) if price < list_price => (price, PriceSource::Member),
            _ => (list_price, PriceSource::List),
        };
        lines.push(Line {
            item,
            request_index,
            quantity: line.quantity,
            list_price,
            unit_price,
            price_source,
            activity: None,
            skipped: Vec::new(),
        });
    }
    lines.sort_by(|a, b| {
        (&a.item.sku.id, a.quantity, a.request_index).cmp(&(
            &b.item.sku.id,
            b.quantity,
            b.request_index,
        ))
    });
    Ok(lines)
}

/// Price `request` using the coupons `selection` asks for; also how many
/// nodes the best-combination search visited (0 for a chosen selection).
pub(crate) fn run(
    request: &QuoteRequest,
    selection: &CouponSelection,
) -> Result<(Quote, u64), PricingError> {
    validate(request)?;
    let catalog = Catalog::new(&request.catalog)?;
    let mut lines = member_priced_lines(request, &catalog)?;
    let mut hints = Vec::new();
    activity_prices::price_lines(
        &request.activities,
        &mut lines,
        &request.customer,
        request.now,
        &mut hints,
    )?;
    let totals = lines
        .iter()
        .map(|l| Ok(l.unit_price.times(l.quantity)?))
        .collect::<Result<Vec<Money>, PricingError>>()?;
    let subtotal = Money::sum(totals.iter().copied())?;
    let shipping_slot = lines.len();
    let mut ledger = Ledger::new(totals.iter().copied().chain([Money::ZERO]).collect());
    full_reduction::apply(
        &request.full_reductions,
        &lines,
        &mut ledger,
        request.now,
        &mut hints,
    )?;
    let goods_before_coupons = Money::sum(ledger.amounts.iter().take(shipping_slot).copied())?;
    // An empty cart ships nothing, so it pays no fee.
    let (fee, free_shipping) = match &request.shipping {
        Some(rule) if !lines.is_empty() => rule.fee(goods_before_coupons, &mut hints)?,
        _ => (Money::ZERO, false),
    };
    if let Some(slot) = ledger.amounts.get_mut(shipping_slot) {
        *slot = fee;
    }
    let owed_before_coupons = ledger.amounts.clone();
    let (coupon_report, search_nodes) = selection::apply(
        &request.coupons,
        selection,
        &request.stacking,
        &CouponContext {
            lines: &lines,
            owed: &owed_before_coupons,
            shipping_slot,
            customer: &request.customer,
            now: request.now,
        },
        &mut ledger,
        &mut hints,
    )?;
    let mut points = points::apply(
        request.points.as_ref(),
        request.use_points,
        request.customer.points_balance,
        &lines,
        &mut ledger,
    )?;
    // Shipping coupons are the last step of the pipeline.
    ledger.discounts.sort_by_key(|d| d.step);
    let goods_payable = Money::sum(ledger.amounts.iter().take(shipping_slot).copied())?;
    let shipping_payable = ledger.owed(&[shipping_slot]);
    if let Some(rule) = &request.points {
        points.earned = rule.earned(goods_payable)?;
    }
    let list_total = Money::sum(
        lines
            .iter()
            .map(|l| l.list_price.times(l.quantity))
            .collect::<Result<Vec<_>, _>>()?,
    )?;
    let mut quoted: Vec<(usize, QuotedLine)> = Vec::with_capacity(lines.len());
    let mut shares = std::mem::take(&mut ledger.shares).into_iter();
    for ((line, total), payable) in lines
        .into_iter()
        .zip(totals)
        .zip(ledger.amounts.iter().copied())
    {
        quoted.push((
            line.request_index,
            QuotedLine {
                sku_id: line.item.sku.id.clone(),
                quantity: line.quantity,
                list_price: line.list_price,
                unit_price: line.unit_price,
                price_source: line.price_source,
                activity: line.activity,
                activities_skipped: line.skipped,
                total,
                discounts: shares.next().unwrap_or_default(),
                payable,
            },
        ));
    }
    quoted.sort_by_key(|(index, _)| *index);
    let quote = Quote {
        lines: quoted.into_iter().map(|(_, l)| l).collect(),
        list_total,
        subtotal,
        discounts: ledger.discounts,
        coupons: coupon_report,
        points,
        shipping: ShippingOutcome {
            fee,
            free_shipping,
            discount: fee.checked_sub(shipping_payable)?,
            payable: shipping_payable,
        },
        goods_payable,
        payable: goods_payable.checked_add(shipping_payable)?,
        hints,
    };
    Ok((quote, search_nodes))
}
