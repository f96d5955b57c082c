//! Property tests of the pricing engine: the invariants of `docs/pricing.md`
//! on random carts, rules and coupons.
//!
//! - every allocation sums exactly, and each line's discounts explain its
//!   payable; totals equal the sums of lines; nothing is ever negative; no
//!   coupon is applied for nothing;
//! - permuting lines, activities, full reductions or coupons changes nothing
//!   but the order of output lines;
//! - `best_coupons` equals exhaustive search over every subset (up to 12
//!   coupons) and is never worse than any single coupon, also when every
//!   coupon combines with every other.

use commerce_core::catalog::{CatalogSnapshot, Product, Sku};
use commerce_core::money::Money;
use commerce_core::pricing::{
    best_coupons, quote, Activity, ActivityRule, CombinesWith, Coupon, CouponBenefit,
    CouponSelection, Customer, FullReduction, LineRequest, PointsRule, Quote, QuoteRequest,
    ReductionRule, ReductionTier, Scope, ShippingRule, StackingRules, Step, Window,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const NOW: i64 = 1_767_225_600;
const SKUS: usize = 6;

fn catalog(prices: &[i64]) -> CatalogSnapshot {
    CatalogSnapshot {
        version: String::new(),
        products: prices
            .iter()
            .enumerate()
            .map(|(i, &price)| Product {
                id: format!("p{i}"),
                name: format!("Product {i}"),
                shop_id: format!("s{}", i % 2),
                category_id: format!("c{}", i % 3),
                skus: vec![Sku {
                    id: format!("k{i}"),
                    spec: BTreeMap::new(),
                    list_price: Money::fen(price),
                    tier_prices: BTreeMap::new(),
                    stock: 100,
                    purchase_limit: None,
                    listed: true,
                }],
                coupons_allowed: i != 5,
                points_allowed: i != 4,
                listed: true,
            })
            .collect(),
    }
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        3 => Just(Scope::All),
        1 => (0..3usize).prop_map(|c| Scope::Categories { ids: vec![format!("c{c}")] }),
        1 => (0..SKUS).prop_map(|k| Scope::Skus { ids: vec![format!("k{k}")] }),
        1 => (0..2usize).prop_map(|s| Scope::Shops { ids: vec![format!("s{s}")] }),
    ]
}

fn benefit() -> impl Strategy<Value = CouponBenefit> {
    prop_oneof![
        3 => (1..8i64).prop_map(|o| CouponBenefit::FixedOff { off: Money::fen(o * 100) }),
        1 => (1..4i64, 1..4i64, proptest::option::of(1..5i64)).prop_map(|(e, o, c)| {
            CouponBenefit::RepeatingOff {
                every: Money::fen(e * 1000),
                off: Money::fen(o * 100),
                cap: c.map(|c| Money::fen(c * 100)),
            }
        }),
        2 => (1..=100i64, proptest::option::of(1..8i64)).prop_map(|(p, m)| {
            CouponBenefit::PercentOff { percent_off: p, max_off: m.map(|m| Money::fen(m * 100)) }
        }),
        1 => proptest::option::of(1..6i64).prop_map(|o| CouponBenefit::Shipping {
            off: o.map(|o| Money::fen(o * 100)),
        }),
    ]
}

fn coupon() -> impl Strategy<Value = Coupon> {
    (
        (
            benefit(),
            proptest::option::of(0..2usize),
            scope(),
            0..4usize,
        ),
        (
            // Mostly coupons that combine with everything: the hard case for
            // the search (ties at the clamp, compounding percentages).
            prop_oneof![
                2 => any::<bool>().prop_map(|a| [a, true, true, true]),
                1 => any::<[bool; 4]>(),
            ],
            proptest::option::of(0..2usize),
            proptest::option::of(1..4i64),
        ),
    )
        .prop_map(
            |((benefit, shop, scope, threshold), (flags, group, ends))| Coupon {
                id: String::new(),
                title: None,
                shop_id: shop.map(|s| format!("s{s}")),
                benefit,
                threshold: Money::fen([0, 500, 2000, 5000][threshold]),
                min_quantity: 0,
                scope,
                window: Window {
                    starts_at: None,
                    ends_at: ends.map(|d| NOW + d * 86_400),
                },
                new_customers_only: false,
                usage_limit: None,
                on_activity_price: flags[0],
                exclusive_group: group.map(|g| format!("g{g}")),
                combines_with: CombinesWith {
                    product: flags[1],
                    order: flags[2],
                    shipping: flags[3],
                },
            },
        )
}

fn coupons(max: usize) -> impl Strategy<Value = Vec<Coupon>> {
    proptest::collection::vec(coupon(), 0..=max).prop_map(|mut coupons| {
        for (i, c) in coupons.iter_mut().enumerate() {
            c.id = format!("cp{i:02}");
        }
        coupons
    })
}

fn activities() -> impl Strategy<Value = Vec<Activity>> {
    proptest::collection::vec(
        (
            0..SKUS,
            prop_oneof![
                (1..3000i64).prop_map(|p| ActivityRule::FlashSale {
                    price: Money::fen(p),
                    per_user_limit: None,
                    stock: None,
                }),
                (0..=100i64).prop_map(|p| ActivityRule::LimitedTimePercent { percent_off: p }),
            ],
        ),
        0..3,
    )
    .prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(|(i, (sku, rule))| Activity {
                id: format!("a{i}"),
                window: Window::default(),
                scope: Scope::Skus {
                    ids: vec![format!("k{sku}")],
                },
                rule,
            })
            .collect()
    })
}

fn full_reductions() -> impl Strategy<Value = Vec<FullReduction>> {
    proptest::collection::vec(
        (
            proptest::option::of(0..2usize),
            1..60i64,
            1..20i64,
            any::<bool>(),
        ),
        0..3,
    )
    .prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(|(i, (shop, threshold, off, on_activity))| FullReduction {
                id: format!("fr{i}"),
                shop_id: shop.map(|s| format!("s{s}")),
                window: Window::default(),
                scope: Scope::All,
                on_activity_price: on_activity,
                rule: ReductionRule::Tiered {
                    tiers: vec![ReductionTier {
                        threshold: Money::fen(threshold * 100),
                        off: Money::fen(off * 100),
                    }],
                },
            })
            .collect()
    })
}

fn stacking() -> impl Strategy<Value = StackingRules> {
    (
        proptest::option::of(1..5i64),
        proptest::option::of(1..3i64),
        proptest::option::of(1..3i64),
        any::<bool>(),
    )
        .prop_map(|(max, per_shop, platform, together)| StackingRules {
            max_coupons: max,
            max_coupons_per_shop: per_shop,
            max_platform_coupons: platform,
            shop_with_platform: together,
        })
}

/// A cart of distinct SKUs with random rules around it.
fn request(max_coupons: usize) -> impl Strategy<Value = QuoteRequest> {
    (
        proptest::collection::vec(1..5000i64, SKUS),
        proptest::sample::subsequence((0..SKUS).collect::<Vec<_>>(), 1..=SKUS),
        proptest::collection::vec(1..5i64, SKUS),
        (
            activities(),
            full_reductions(),
            coupons(max_coupons),
            stacking(),
        ),
        (proptest::option::of(0..1500i64), 0..3000i64),
    )
        .prop_map(
            |(
                prices,
                picked,
                quantities,
                (activities, full_reductions, coupons, stacking),
                (fee, points),
            )| {
                QuoteRequest {
                    catalog: catalog(&prices),
                    lines: picked
                        .iter()
                        .map(|&k| LineRequest {
                            sku_id: format!("k{k}"),
                            quantity: quantities[k],
                        })
                        .collect(),
                    now: NOW,
                    customer: Customer {
                        points_balance: 2000,
                        ..Customer::default()
                    },
                    activities,
                    full_reductions,
                    coupons,
                    stacking,
                    points: Some(PointsRule {
                        points_per_unit: 10,
                        unit_value: Money::fen(10),
                        max_points: None,
                        max_percent: Some(50),
                        on_excess: Default::default(),
                        earn: None,
                    }),
                    use_points: points,
                    shipping: fee.map(|fee| ShippingRule {
                        region: "r".into(),
                        fees: BTreeMap::new(),
                        default_fee: Money::fen(fee),
                        free_over: Some(Money::fen(8000)),
                    }),
                    ..QuoteRequest::default()
                }
            },
        )
}

fn coupon_saving(quote: &Quote) -> i64 {
    quote
        .coupons
        .applied
        .iter()
        .map(|c| c.saving.as_fen())
        .sum()
}

fn check_invariants(quote: &Quote) -> Result<(), TestCaseError> {
    let sum = |it: &mut dyn Iterator<Item = Money>| it.map(Money::as_fen).sum::<i64>();
    prop_assert_eq!(
        quote.subtotal.as_fen(),
        sum(&mut quote.lines.iter().map(|l| l.total))
    );
    prop_assert_eq!(
        quote.goods_payable.as_fen(),
        sum(&mut quote.lines.iter().map(|l| l.payable))
    );
    for line in &quote.lines {
        prop_assert!(line.payable >= Money::ZERO);
        prop_assert_eq!(
            line.total.as_fen() - sum(&mut line.discounts.iter().map(|d| d.amount)),
            line.payable.as_fen()
        );
    }
    for applied in &quote.coupons.applied {
        prop_assert!(
            applied.saving > Money::ZERO,
            "{} applied for nothing",
            applied.coupon_id
        );
    }
    let mut goods_discounts = 0;
    for discount in &quote.discounts {
        prop_assert!(discount.amount >= Money::ZERO);
        if discount.step == Step::ShippingCoupon {
            continue;
        }
        goods_discounts += discount.amount.as_fen();
        let allocated = sum(&mut quote.lines.iter().flat_map(|l| {
            l.discounts
                .iter()
                .filter(|d| d.step == discount.step && d.source_id == discount.source_id)
                .map(|d| d.amount)
        }));
        prop_assert_eq!(
            allocated,
            discount.amount.as_fen(),
            "allocation of {}",
            discount.source_id
        );
    }
    prop_assert_eq!(
        quote.subtotal.as_fen() - goods_discounts,
        quote.goods_payable.as_fen()
    );
    let shipping = &quote.shipping;
    prop_assert!(shipping.payable >= Money::ZERO);
    prop_assert_eq!(
        shipping.fee.as_fen() - shipping.discount.as_fen(),
        shipping.payable.as_fen()
    );
    prop_assert_eq!(
        quote.payable.as_fen(),
        quote.goods_payable.as_fen() + shipping.payable.as_fen()
    );
    Ok(())
}

/// The order-independent content of a quote: lines keyed by SKU (distinct in
/// these carts). Everything else, coupon reasons included, must already be
/// in the same order.
fn canonical(mut quote: Quote) -> Quote {
    quote.lines.sort_by(|a, b| a.sku_id.cmp(&b.sku_id));
    quote
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn totals_allocations_and_clamps_hold(request in request(8)) {
        let best = quote(&request).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_invariants(&best)?;
        // The shopper choosing every coupon they hold: the most clamps.
        let selection = CouponSelection::Chosen {
            coupon_ids: request.coupons.iter().map(|c| c.id.clone()).collect(),
        };
        let chosen = quote(&QuoteRequest { coupon_selection: selection, ..request })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_invariants(&chosen)?;
    }

    #[test]
    fn permuting_lines_and_rules_changes_nothing(
        (request, lines, activities, reductions, coupons) in request(8).prop_flat_map(|r| {
            let lines = Just(r.lines.clone()).prop_shuffle();
            let activities = Just(r.activities.clone()).prop_shuffle();
            let reductions = Just(r.full_reductions.clone()).prop_shuffle();
            let coupons = Just(r.coupons.clone()).prop_shuffle();
            (Just(r), lines, activities, reductions, coupons)
        })
    ) {
        let original = quote(&request).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let permuted_request = QuoteRequest {
            lines,
            activities,
            full_reductions: reductions,
            coupons,
            ..request.clone()
        };
        let permuted = quote(&permuted_request).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(canonical(original), canonical(permuted));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn best_coupons_equals_exhaustive_search(request in request(12)) {
        check_best_is_exhaustive(&request)?;
    }

    /// Every coupon combines with every other, at most a count cap: the
    /// configurations where the search has the most sets to rule out.
    #[test]
    fn best_coupons_equals_exhaustive_search_when_all_combine(request in all_combine(12)) {
        check_best_is_exhaustive(&request)?;
    }

    #[test]
    fn best_coupons_is_never_worse_than_one_coupon(request in request(30)) {
        check_never_worse_than_one(&request)?;
    }

    #[test]
    fn best_coupons_is_never_worse_than_one_coupon_when_all_combine(request in all_combine(30)) {
        check_never_worse_than_one(&request)?;
    }
}

/// `best_coupons` against every subset, through the shopper's-choice path.
fn check_best_is_exhaustive(request: &QuoteRequest) -> Result<(), TestCaseError> {
    let best = best_coupons(request).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(best.saving.as_fen(), coupon_saving(&best.quote));
    // Every subset, through the shopper's-choice path; a subset counts if
    // all its coupons are used (it is allowed and each one applies).
    let n = request.coupons.len();
    let mut winner: Option<(i64, Vec<(i64, String)>)> = None;
    for mask in 0u32..(1 << n) {
        let chosen: Vec<&Coupon> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| &request.coupons[i])
            .collect();
        let selection = CouponSelection::Chosen {
            coupon_ids: chosen.iter().map(|c| c.id.clone()).collect(),
        };
        let quote = quote(&QuoteRequest {
            coupon_selection: selection,
            ..request.clone()
        })
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if quote.coupons.applied.len() != chosen.len() {
            continue;
        }
        let saving = coupon_saving(&quote);
        let mut keys: Vec<(i64, String)> = chosen
            .iter()
            .map(|c| (c.window.ends_at.unwrap_or(i64::MAX), c.id.clone()))
            .collect();
        keys.sort();
        let better = match &winner {
            None => true,
            Some((best_saving, best_keys)) => {
                (
                    saving,
                    std::cmp::Reverse(keys.len()),
                    std::cmp::Reverse(&keys),
                ) > (
                    *best_saving,
                    std::cmp::Reverse(best_keys.len()),
                    std::cmp::Reverse(best_keys),
                )
            }
        };
        if better {
            winner = Some((saving, keys));
        }
    }
    let (saving, keys) = winner.unwrap_or_default();
    let mut ids: Vec<String> = keys.into_iter().map(|(_, id)| id).collect();
    ids.sort();
    let mut found = best.coupon_ids.clone();
    found.sort();
    prop_assert_eq!(best.saving.as_fen(), saving);
    prop_assert_eq!(found, ids);
    Ok(())
}

fn check_never_worse_than_one(request: &QuoteRequest) -> Result<(), TestCaseError> {
    let best = best_coupons(request).map_err(|e| TestCaseError::fail(e.to_string()))?;
    for coupon in &request.coupons {
        let selection = CouponSelection::Chosen {
            coupon_ids: vec![coupon.id.clone()],
        };
        let single = quote(&QuoteRequest {
            coupon_selection: selection,
            ..request.clone()
        })
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(
            coupon_saving(&single) <= best.saving.as_fen(),
            "{} alone saves more",
            coupon.id
        );
    }
    Ok(())
}

/// Like `request`, but every coupon combines with every other, none is in
/// an exclusive group, and at most `max_coupons` (sometimes) caps the count.
fn all_combine(max_coupons: usize) -> impl Strategy<Value = QuoteRequest> {
    (request(max_coupons), proptest::option::of(1..8i64)).prop_map(|(mut request, max)| {
        for coupon in &mut request.coupons {
            coupon.exclusive_group = None;
            coupon.combines_with = CombinesWith {
                product: true,
                order: true,
                shipping: true,
            };
        }
        request.stacking = StackingRules {
            max_coupons: max,
            ..StackingRules::default()
        };
        request
    })
}

/// Amounts and counts at and beyond the edges of what the contract allows.
fn extreme() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(-1),
        Just(Money::MAX.as_fen()),
        Just(Money::MAX.as_fen() / 2 + 1),
        Just(-Money::MAX.as_fen()),
        Just(i64::MAX),
        Just(i64::MIN),
        0..10_000i64,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the numbers, a quote is a value or a typed error, never a
    /// panic (debug builds also trap every integer overflow).
    #[test]
    fn extreme_numbers_never_panic(
        request in request(6),
        numbers in proptest::collection::vec(extreme(), 12),
    ) {
        let money = |i: usize| Money::checked(numbers[i]).unwrap_or(Money::MAX);
        let mut request = request;
        if let Some(product) = request.catalog.products.first_mut() {
            product.skus[0].list_price = money(0).max(Money::ZERO);
        }
        if let Some(line) = request.lines.first_mut() {
            line.quantity = numbers[1];
        }
        if let Some(coupon) = request.coupons.first_mut() {
            coupon.threshold = money(2);
            coupon.min_quantity = numbers[3];
            coupon.usage_limit = Some(numbers[4]);
            coupon.benefit = match numbers[5].rem_euclid(3) {
                0 => CouponBenefit::FixedOff { off: money(6) },
                1 => CouponBenefit::PercentOff { percent_off: numbers[6], max_off: Some(money(7)) },
                _ => CouponBenefit::RepeatingOff { every: money(6), off: money(7), cap: None },
            };
        }
        request.use_points = numbers[8];
        request.customer.points_balance = numbers[9];
        request.stacking.max_coupons = Some(numbers[10]);
        request.now = numbers[11];
        let _ = quote(&request);
        let _ = best_coupons(&request);
    }
}
