//! The pricing benchmark workload: a 50-line cart from 5 shops with 30
//! candidate coupons, activities, full reductions, points and shipping.
//!
//! Built by plain arithmetic on the line and coupon index (no seed, no
//! randomness), so the criterion bench, the saved copy in
//! `tests/bench/pricing-50x30.json` (checked by `tests/pricing_workload.rs`)
//! and the Node/wasm benchmark that loads it all price the same request.

use commerce_core::catalog::{CatalogSnapshot, Product, Sku};
use commerce_core::money::Money;
use commerce_core::pricing::{
    Activity, ActivityRule, CombinesWith, Coupon, CouponBenefit, Customer, FullReduction,
    LadderTier, LineRequest, PointsRule, QuoteRequest, ReductionRule, ReductionTier, Scope,
    ShippingRule, StackingRules, Window,
};
use std::collections::BTreeMap;

pub const NOW: i64 = 1_767_225_600;
const LINES: usize = 50;
const SHOPS: usize = 5;
const CATEGORIES: usize = 8;

fn sku_id(i: usize) -> String {
    format!("sku-{i:02}")
}

fn catalog() -> CatalogSnapshot {
    let products = (0..LINES)
        .map(|i| Product {
            id: format!("spu-{i:02}"),
            name: format!("Product {i}"),
            shop_id: format!("shop-{}", i % SHOPS),
            category_id: format!("cat-{}", i % CATEGORIES),
            skus: vec![Sku {
                id: sku_id(i),
                spec: BTreeMap::from([("size".to_owned(), ["S", "M", "L"][i % 3].to_owned())]),
                list_price: Money::fen(990 + (i as i64 * 7919) % 20_000),
                tier_prices: BTreeMap::from([(
                    "gold".to_owned(),
                    Money::fen(900 + (i as i64 * 7919) % 19_000),
                )]),
                stock: 500,
                purchase_limit: None,
                listed: true,
            }],
            coupons_allowed: i % 17 != 16,
            points_allowed: i % 13 != 12,
            listed: true,
        })
        .collect();
    CatalogSnapshot {
        version: "bench-50x30".to_owned(),
        products,
    }
}

fn activities() -> Vec<Activity> {
    vec![
        Activity {
            id: "flash".into(),
            window: Window {
                starts_at: Some(NOW - 3_600),
                ends_at: Some(NOW + 3_600),
            },
            scope: Scope::Skus {
                ids: vec![sku_id(3), sku_id(11), sku_id(29)],
            },
            rule: ActivityRule::FlashSale {
                price: Money::fen(990),
                per_user_limit: Some(10),
                stock: Some(100),
            },
        },
        Activity {
            id: "weekend-20".into(),
            window: Window::default(),
            scope: Scope::Categories {
                ids: vec!["cat-2".into()],
            },
            rule: ActivityRule::LimitedTimePercent { percent_off: 20 },
        },
        Activity {
            id: "ladder".into(),
            window: Window::default(),
            scope: Scope::Categories {
                ids: vec!["cat-5".into()],
            },
            rule: ActivityRule::QuantityLadder {
                tiers: vec![
                    LadderTier {
                        min_quantity: 2,
                        percent_off: 10,
                    },
                    LadderTier {
                        min_quantity: 6,
                        percent_off: 15,
                    },
                    LadderTier {
                        min_quantity: 20,
                        percent_off: 25,
                    },
                ],
            },
        },
    ]
}

fn full_reductions() -> Vec<FullReduction> {
    let shop_tiers = |shop: usize| FullReduction {
        id: format!("fr-shop-{shop}"),
        shop_id: Some(format!("shop-{shop}")),
        window: Window::default(),
        scope: Scope::All,
        on_activity_price: false,
        rule: ReductionRule::Tiered {
            tiers: vec![
                ReductionTier {
                    threshold: Money::fen(20_000),
                    off: Money::fen(1_500),
                },
                ReductionTier {
                    threshold: Money::fen(50_000),
                    off: Money::fen(5_000),
                },
            ],
        },
    };
    vec![
        shop_tiers(0),
        shop_tiers(3),
        FullReduction {
            id: "fr-platform-every".into(),
            shop_id: None,
            window: Window::default(),
            scope: Scope::All,
            on_activity_price: true,
            rule: ReductionRule::Repeating {
                every: Money::fen(30_000),
                off: Money::fen(2_000),
                cap: Some(Money::fen(10_000)),
            },
        },
    ]
}

fn coupon(id: String, shop: Option<usize>, benefit: CouponBenefit, k: usize) -> Coupon {
    Coupon {
        id,
        title: None,
        shop_id: shop.map(|s| format!("shop-{s}")),
        benefit,
        threshold: Money::fen([0, 5_000, 10_000, 30_000][k % 4]),
        min_quantity: 0,
        scope: Scope::All,
        window: Window {
            starts_at: Some(NOW - 86_400),
            ends_at: Some(NOW + 86_400 * (1 + (k as i64 * 3) % 11)),
        },
        new_customers_only: false,
        usage_limit: Some(1),
        on_activity_price: k.is_multiple_of(3),
        exclusive_group: None,
        combines_with: CombinesWith {
            product: true,
            order: true,
            shipping: true,
        },
    }
}

/// 15 shop coupons (3 per shop), 12 platform coupons, 3 shipping coupons.
fn coupons() -> Vec<Coupon> {
    let mut coupons = Vec::new();
    for shop in 0..SHOPS {
        for j in 0..3 {
            let k = shop * 3 + j;
            let benefit = match j {
                0 => CouponBenefit::FixedOff {
                    off: Money::fen(500 + 300 * shop as i64),
                },
                1 => CouponBenefit::PercentOff {
                    percent_off: 5 + 2 * shop as i64,
                    max_off: Some(Money::fen(3_000)),
                },
                _ => CouponBenefit::RepeatingOff {
                    every: Money::fen(10_000),
                    off: Money::fen(800),
                    cap: Some(Money::fen(4_000)),
                },
            };
            coupons.push(coupon(format!("shop-{shop}-c{j}"), Some(shop), benefit, k));
        }
    }
    for j in 0..12usize {
        let k = 15 + j;
        let benefit = match j % 4 {
            0 => CouponBenefit::FixedOff {
                off: Money::fen(1_000 + 500 * j as i64),
            },
            1 => CouponBenefit::PercentOff {
                percent_off: 8 + j as i64,
                max_off: Some(Money::fen(6_000)),
            },
            2 => CouponBenefit::RepeatingOff {
                every: Money::fen(20_000),
                off: Money::fen(1_500),
                cap: None,
            },
            _ => CouponBenefit::FixedOff {
                off: Money::fen(300 * j as i64),
            },
        };
        let mut platform = coupon(format!("platform-c{j:02}"), None, benefit, k);
        platform.exclusive_group = j.is_multiple_of(3).then(|| "festival".to_owned());
        if j % 4 == 3 {
            platform.scope = Scope::Categories {
                ids: vec![format!("cat-{}", j % CATEGORIES)],
            };
            platform.threshold = Money::ZERO;
        }
        platform.new_customers_only = j == 11;
        coupons.push(platform);
    }
    for j in 0..3usize {
        let mut shipping = coupon(
            format!("ship-c{j}"),
            None,
            CouponBenefit::Shipping {
                off: (j < 2).then(|| Money::fen(300 + 300 * j as i64)),
            },
            27 + j,
        );
        shipping.exclusive_group = Some("shipping".to_owned());
        coupons.push(shipping);
    }
    coupons
}

/// The benchmark request: quote with the best coupon combination.
pub fn cart_50_lines_30_coupons() -> QuoteRequest {
    QuoteRequest {
        catalog: catalog(),
        lines: (0..LINES)
            .map(|i| LineRequest {
                sku_id: sku_id(i),
                quantity: 1 + (i as i64 * 5) % 4,
            })
            .collect(),
        now: NOW,
        customer: Customer {
            member_tier: Some("gold".into()),
            new_customer: false,
            points_balance: 20_000,
            coupon_uses: BTreeMap::new(),
            activity_purchases: BTreeMap::new(),
        },
        member_discounts: BTreeMap::new(),
        activities: activities(),
        full_reductions: full_reductions(),
        coupons: coupons(),
        stacking: StackingRules {
            max_coupons: Some(6),
            max_coupons_per_shop: Some(1),
            max_platform_coupons: Some(3),
            shop_with_platform: true,
        },
        coupon_selection: Default::default(),
        points: Some(PointsRule {
            points_per_unit: 100,
            unit_value: Money::fen(100),
            max_points: Some(10_000),
            max_percent: Some(20),
            on_excess: Default::default(),
            earn: None,
        }),
        use_points: 5_000,
        shipping: Some(ShippingRule {
            region: "310000".into(),
            fees: BTreeMap::from([("310000".to_owned(), Money::fen(1_200))]),
            default_fee: Money::fen(2_000),
            free_over: Some(Money::fen(1_000_000)),
        }),
    }
}
