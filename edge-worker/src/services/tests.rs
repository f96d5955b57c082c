//! The services on in-memory storage (`memory.rs`): what a shopper and the
//! merchant see, including concurrent requests interleaved at every storage
//! call. The same flows run against workerd in `tests/edge/`.

use super::checkout::{place, CheckoutInput, Placed};
use super::memory::{block_on, run_together, seed_storefront, Memory};
use super::{orders, payment, refund, HoldState};
use crate::error::{Error, Result};
use commerce_core::edge_api::RefundRequest;
use commerce_core::money::Money;
use commerce_core::orders::{Event, OrderError, OrderStatus, RefundLine, Requester};
use std::future::Future;
use std::pin::Pin;

const NOW: i64 = 1_767_225_600; // 2026-01-01 08:00 China time
const TIMEOUT_S: i64 = 900;

fn shop() -> Memory {
    Memory::with_storefront(seed_storefront())
}

fn body(lines: &[(&str, i64)], expected: i64, coupons: Option<&[&str]>) -> String {
    let lines: Vec<_> = lines
        .iter()
        .map(|(sku, q)| serde_json::json!({"sku_id": sku, "quantity": q}))
        .collect();
    let mut body = serde_json::json!({"lines": lines, "expected_payable": expected});
    if let Some(coupons) = coupons {
        body["coupon_ids"] = serde_json::json!(coupons);
    }
    body.to_string()
}

fn input(user: &str, key: &str, body: String) -> CheckoutInput {
    CheckoutInput {
        user_id: user.into(),
        ip: "203.0.113.7".into(),
        key: Some(key.into()),
        body,
        now: NOW,
        payment_timeout_s: TIMEOUT_S,
    }
}

/// The payable the edge quotes `lines` at for `user` (what the page shows).
fn payable(shop: &Memory, user: &str, lines: &[(&str, i64)], coupons: Option<&[&str]>) -> i64 {
    match block_on(place(shop, input(user, "probe", body(lines, -1, coupons)))) {
        Err(Error::Order(OrderError::PriceChanged { quote, .. })) => quote.payable.as_fen(),
        other => panic!(
            "expected PRICE_CHANGED, got {:?}",
            other.map(|p| p.order.id)
        ),
    }
}

fn checkout(shop: &Memory, user: &str, key: &str, lines: &[(&str, i64)]) -> Result<Placed> {
    let expected = payable(shop, user, lines, None);
    block_on(place(shop, input(user, key, body(lines, expected, None))))
}

fn code(result: &Result<impl Sized>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e.parts().1.code,
    }
}

fn left(shop: &Memory, sku: &str) -> i64 {
    shop.state.borrow().counters["global"][&format!("stock:{sku}")]
}

#[test]
fn a_checkout_holds_its_stock_and_a_retry_replays_the_same_order() {
    let shop = shop();
    let first = checkout(&shop, "ann", "k1", &[("jasmine-250g", 2)]).unwrap();
    assert!(!first.replayed);
    assert_eq!(first.order.status, OrderStatus::PendingPayment);
    assert_eq!(left(&shop, "jasmine-250g"), 198);
    let again = checkout(&shop, "ann", "k1", &[("jasmine-250g", 2)]).unwrap();
    assert!(again.replayed);
    assert_eq!(again.order.id, first.order.id);
    assert_eq!(left(&shop, "jasmine-250g"), 198, "held once");
}

#[test]
fn one_key_with_another_body_is_refused_and_holds_nothing() {
    let shop = shop();
    checkout(&shop, "ann", "k1", &[("jasmine-250g", 2)]).unwrap();
    let other = checkout(&shop, "ann", "k1", &[("jasmine-250g", 3)]);
    assert_eq!(code(&other), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(left(&shop, "jasmine-250g"), 198);
}

#[test]
fn one_key_sent_at_once_with_two_bodies_gets_one_order_under_every_interleaving_tried() {
    for lead in 0..2 {
        let shop = shop();
        let bodies = [("jasmine-250g", 1), ("jasmine-250g", 3)];
        let expected: Vec<i64> = bodies
            .iter()
            .map(|l| payable(&shop, "ann", &[*l], None))
            .collect();
        let mut tries: Vec<Pin<Box<dyn Future<Output = Result<Placed>> + '_>>> = bodies
            .iter()
            .zip(&expected)
            .map(|(line, e)| {
                Box::pin(place(
                    &shop,
                    input("ann", "same-key", body(&[*line], *e, None)),
                )) as Pin<Box<dyn Future<Output = _>>>
            })
            .collect();
        tries.rotate_left(lead);
        let results = run_together(tries);
        let codes: Vec<String> = results.iter().map(code).collect();
        assert_eq!(codes.iter().filter(|c| *c == "ok").count(), 1, "{codes:?}");
        assert!(
            codes.contains(&"IDEMPOTENCY_KEY_REUSED".to_owned()),
            "{codes:?}"
        );
        let won = results.into_iter().flatten().next().unwrap();
        let units = won.order.lines[0].quantity;
        assert_eq!(
            left(&shop, "jasmine-250g"),
            200 - units,
            "only the winner's units are held"
        );
        let stored = &shop.state.borrow().orders[&won.order.id];
        assert_eq!(
            stored.lines[0].quantity, units,
            "the stored order is the winner's body"
        );
    }
}

#[test]
fn a_changed_price_or_missing_stock_refuses_and_holds_nothing() {
    let shop = shop();
    let wrong = block_on(place(
        &shop,
        input("ann", "k1", body(&[("cup-blue", 1)], 1, None)),
    ));
    assert_eq!(code(&wrong), "PRICE_CHANGED");
    let too_many = checkout(&shop, "ann", "k2", &[("oolong-gift", 41)]);
    assert_eq!(code(&too_many), "OUT_OF_STOCK");
    assert!(shop.state.borrow().orders.is_empty());
    assert_eq!(
        shop.state
            .borrow()
            .counters
            .get("global")
            .and_then(|c| c.get("stock:oolong-gift")),
        None
    );
}

#[test]
fn a_keeper_refusing_gives_back_the_holds_already_taken() {
    let shop = shop();
    // The warehouse (`global`) holds 11 jasmine first; the shopper's keeper
    // then refuses the 11th unit over the limit of 10.
    let over = checkout(&shop, "ann", "k-over", &[("jasmine-250g", 11)]);
    assert_eq!(code(&over), "PURCHASE_LIMIT");
    assert_eq!(
        left(&shop, "jasmine-250g"),
        200,
        "the warehouse hold was given back"
    );
    let held = &shop.state.borrow().holds;
    assert!(held.values().all(|h| h.state == HoldState::Released));
    assert!(shop.state.borrow().orders.is_empty());
}

#[test]
fn two_checkouts_racing_for_one_coupon_store_one_order_and_the_loser_gives_its_hold_back() {
    let shop = shop();
    shop.state
        .borrow_mut()
        .wallets
        .insert("ann".into(), vec!["tea-15pct".into()]);
    let lines = [("jasmine-500g", 1)];
    let expected = payable(&shop, "ann", &lines, Some(&["tea-15pct"]));
    let tries: Vec<Pin<Box<dyn Future<Output = Result<Placed>> + '_>>> = ["k1", "k2"]
        .into_iter()
        .map(|key| {
            Box::pin(place(
                &shop,
                input("ann", key, body(&lines, expected, Some(&["tea-15pct"]))),
            )) as Pin<Box<dyn Future<Output = _>>>
        })
        .collect();
    let codes: Vec<String> = run_together(tries).iter().map(code).collect();
    assert_eq!(codes.iter().filter(|c| *c == "ok").count(), 1, "{codes:?}");
    assert!(
        codes.contains(&"COUPON_ALREADY_USED".to_owned()),
        "{codes:?}"
    );
    assert_eq!(left(&shop, "jasmine-500g"), 119);
}

#[test]
fn a_payment_pays_once_and_money_for_an_order_that_cannot_take_it_is_kept() {
    let shop = shop();
    let order = checkout(&shop, "ann", "k1", &[("bun-pork", 2)])
        .unwrap()
        .order;
    let paid = |transaction_id: &str| payment::Transaction {
        out_trade_no: order.id.clone(),
        transaction_id: transaction_id.into(),
        trade_state: "SUCCESS".into(),
        total: order.payable,
    };
    block_on(payment::notified(&shop, paid("wx-1"), NOW + 10)).unwrap();
    block_on(payment::notified(&shop, paid("wx-1"), NOW + 11)).unwrap();
    assert_eq!(
        shop.state.borrow().orders[&order.id].status,
        OrderStatus::Paid
    );
    assert_eq!(
        shop.state.borrow().holds[&("global".to_owned(), order.id.clone())].state,
        HoldState::Sold
    );
    let second = block_on(payment::notified(&shop, paid("wx-2"), NOW + 12));
    assert_eq!(code(&second), "ALREADY_PAID");
    let again = block_on(payment::notified(&shop, paid("wx-2"), NOW + 13));
    assert_eq!(code(&again), "ALREADY_PAID");
    let unmatched = &shop.state.borrow().unmatched;
    assert_eq!(unmatched.len(), 1, "recorded once");
    assert_eq!(unmatched[0].reason, "ALREADY_PAID");
}

#[test]
fn an_unpaid_order_times_out_at_its_deadline_and_gives_its_stock_back() {
    let shop = shop();
    let order = checkout(&shop, "ann", "k1", &[("cup-blue", 2)])
        .unwrap()
        .order;
    assert_eq!(
        block_on(orders::time_out(&shop, &order.id, NOW + 10)).unwrap(),
        None
    );
    let due = block_on(orders::time_out(&shop, &order.id, order.pay_by)).unwrap();
    assert_eq!(due, Some(HoldState::Released));
    block_on(shop_settle(&shop, &order.id, HoldState::Released));
    assert_eq!(
        shop.state.borrow().orders[&order.id].status,
        OrderStatus::Cancelled
    );
    assert_eq!(left(&shop, "cup-blue"), 30);
    assert_eq!(
        block_on(orders::time_out(&shop, "o-never-stored", NOW)).unwrap(),
        Some(HoldState::Released)
    );
}

async fn shop_settle(shop: &Memory, order_id: &str, to: HoldState) {
    super::StockHolds::settle(shop, "global", order_id, to)
        .await
        .unwrap();
}

fn paid_order(shop: &Memory, lines: &[(&str, i64)]) -> String {
    let order = checkout(shop, "ann", "k-paid", lines).unwrap().order;
    let paid = payment::Transaction {
        out_trade_no: order.id.clone(),
        transaction_id: "wx-paid".into(),
        trade_state: "SUCCESS".into(),
        total: order.payable,
    };
    block_on(payment::notified(shop, paid, NOW + 5)).unwrap();
    order.id
}

#[test]
fn a_refund_pays_out_and_a_failed_payout_is_recorded_and_retried_with_the_same_id() {
    let shop = shop();
    let id = paid_order(&shop, &[("jasmine-250g", 3)]);
    shop.state.borrow_mut().provider_down = true;
    let request = RefundRequest {
        refund_id: Some("rf-1".into()),
        lines: Some(vec![RefundLine {
            sku_id: "jasmine-250g".into(),
            quantity: 1,
            amount: Money::ZERO,
        }]),
    };
    let failed = block_on(refund::refund(
        &shop,
        &id,
        request.clone(),
        Requester::Shopper,
        Some("ann"),
        NOW + 20,
    ));
    assert_eq!(code(&failed), "REFUND_PAYOUT_FAILED");
    let payout = shop.state.borrow().payouts[&(id.clone(), "rf-1".to_owned())].clone();
    assert_eq!(payout.status, "FAILED");
    shop.state.borrow_mut().provider_down = false;
    let done = block_on(refund::refund(
        &shop,
        &id,
        request,
        Requester::Shopper,
        Some("ann"),
        NOW + 30,
    ))
    .unwrap();
    assert_eq!(done.payout.status, "PROCESSING");
    assert_eq!(
        done.payout.out_refund_no, payout.out_refund_no,
        "the same payout asked again"
    );
    assert_eq!(
        done.order.order.lines[0].refunded_quantity, 1,
        "refunded once"
    );
    assert_eq!(shop.state.borrow().payouts_asked.len(), 1);
}

#[test]
fn concurrent_refunds_of_different_lines_both_land_through_the_compare_and_set() {
    let shop = shop();
    let id = paid_order(&shop, &[("jasmine-250g", 1), ("bun-pork", 4)]);
    let refund_of = |sku: &str, rid: &str| RefundRequest {
        refund_id: Some(rid.into()),
        lines: Some(vec![RefundLine {
            sku_id: sku.into(),
            quantity: 1,
            amount: Money::ZERO,
        }]),
    };
    let a = refund_of("jasmine-250g", "rf-a");
    let b = refund_of("bun-pork", "rf-b");
    let tries: Vec<Pin<Box<dyn Future<Output = _> + '_>>> = vec![
        Box::pin(refund::refund(
            &shop,
            &id,
            a,
            Requester::Shopper,
            Some("ann"),
            NOW + 20,
        )),
        Box::pin(refund::refund(
            &shop,
            &id,
            b,
            Requester::Shopper,
            Some("ann"),
            NOW + 20,
        )),
    ];
    for result in run_together(tries) {
        assert_eq!(code(&result), "ok");
    }
    let order = &shop.state.borrow().orders[&id];
    assert_eq!(order.refunds.len(), 2);
    assert_eq!(order.version, 4, "created, paid, two refunds");
}

#[test]
fn someone_elses_order_is_not_found() {
    let shop = shop();
    let order = checkout(&shop, "ann", "k1", &[("bun-pork", 1)])
        .unwrap()
        .order;
    let other = block_on(orders::run(
        &shop,
        &order.id,
        &Event::Cancel,
        Some("bob"),
        NOW,
    ));
    assert_eq!(code(&other), "NOT_FOUND");
    let mine = block_on(orders::run(
        &shop,
        &order.id,
        &Event::Cancel,
        Some("ann"),
        NOW,
    ))
    .unwrap();
    assert_eq!(mine.order.status, OrderStatus::Cancelled);
    assert_eq!(
        left(&shop, "bun-pork"),
        500,
        "cancelling gives the stock back"
    );
}

/// A shop with one store delivering around People's Square (tea in stock).
fn delivering_shop() -> Memory {
    let shop = shop();
    let stores = serde_json::json!({"version": "t", "coord": "gcj02", "stores": [{
        "id": "sq", "location": {"lat": 31.2304, "lng": 121.4737}, "stock": {"oolong-gift": 5},
        "delivery_areas": [[{"lat": 31.22, "lng": 121.46}, {"lat": 31.22, "lng": 121.49},
                            {"lat": 31.24, "lng": 121.49}, {"lat": 31.24, "lng": 121.46}]]}]});
    let mut state = shop.state.borrow_mut();
    state.stores = Some(serde_json::from_value(stores).unwrap());
    state.storefront.fulfilment = serde_json::from_value(serde_json::json!({
        "delivery": {"base_fee": 500}, "delivered_complete_after_s": 3600}))
    .unwrap();
    drop(state);
    shop
}

fn delivered(shop: &Memory, key: &str) -> String {
    let address = serde_json::json!({"name": "王小明", "phone": "13800138000", "text": "人民广场",
        "location": {"lat": 31.2304, "lng": 121.4737, "coord": "gcj02"}});
    let mut body = serde_json::json!({"lines": [{"sku_id": "oolong-gift", "quantity": 1}],
        "expected_payable": -1, "fulfilment": {"mode": "delivery", "address": address}});
    let probe = block_on(place(
        shop,
        input("ann", &format!("{key}-p"), body.to_string()),
    ));
    let Err(Error::Order(OrderError::PriceChanged { quote, .. })) = probe else {
        panic!("expected PRICE_CHANGED")
    };
    body["expected_payable"] = quote.payable.as_fen().into();
    let order = block_on(place(shop, input("ann", key, body.to_string())))
        .unwrap()
        .order;
    assert_eq!(order.fulfilment.as_ref().unwrap().store_id(), "sq");
    let paid = payment::Transaction {
        out_trade_no: order.id.clone(),
        transaction_id: format!("wx-{key}"),
        trade_state: "SUCCESS".into(),
        total: order.payable,
    };
    block_on(payment::notified(shop, paid, NOW + 5)).unwrap();
    for event in [Event::Accept, Event::Dispatch, Event::Deliver] {
        block_on(orders::run(shop, &order.id, &event, None, NOW + 60)).unwrap();
    }
    order.id
}

#[test]
fn a_delivered_order_completes_by_itself_unless_the_shopper_confirmed_first() {
    let shop = delivering_shop();
    let auto = delivered(&shop, "k-auto");
    let confirmed = delivered(&shop, "k-confirmed");
    let status = |id: &str| shop.state.borrow().orders[id].status;
    let timer = shop.state.borrow().timers[&("store:sq".to_owned(), auto.clone())];
    assert_eq!(timer, NOW + 60 + 3600, "the terms kept on the order");
    block_on(orders::run(
        &shop,
        &confirmed,
        &Event::Complete,
        Some("ann"),
        NOW + 90,
    ))
    .unwrap();
    block_on(shop.fire_timers(timer - 1)).unwrap();
    assert_eq!(status(&auto), OrderStatus::Delivered, "not before its time");
    block_on(shop.fire_timers(timer)).unwrap();
    assert_eq!(status(&auto), OrderStatus::Completed);
    assert_eq!(status(&confirmed), OrderStatus::Completed);
    assert!(shop.state.borrow().timers.is_empty());
}
