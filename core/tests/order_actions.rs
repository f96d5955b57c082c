//! Property: the actions an order lists are exactly what its state machine
//! takes. Along random event histories of real checkouts of each flow (the
//! accepted vectors `orders-checkout-accepted` - parcel -,
//! `orders-checkout-pickup-at-chosen-store` and
//! `orders-checkout-delivery-nearest-with-stock`), at random times, for
//! every role: every listed action's event is accepted by `transition` at
//! that time, and an accepted event is listed unless it is the shopper
//! paying after `pay_by` or a role's action it may not take.

use commerce_core::error::Coded;
use commerce_core::orders::{
    checkout, transition, Action, CheckoutRequest, Event, Order, OrderStatus, RefundLine, Requester,
};
use proptest::prelude::*;

fn order(flow: usize) -> Order {
    let text = [
        include_str!("../../tests/vectors/orders-checkout-accepted.json"),
        include_str!("../../tests/vectors/orders-checkout-pickup-at-chosen-store.json"),
        include_str!("../../tests/vectors/orders-checkout-delivery-nearest-with-stock.json"),
    ][flow];
    let vector: serde_json::Value = serde_json::from_str(text).expect("vector");
    let request: CheckoutRequest =
        serde_json::from_value(vector["request"].clone()).expect("request");
    checkout(&request).expect("checkout").order
}

/// The actions `by` takes at all (its buttons).
fn role_takes(by: Requester, action: Action) -> bool {
    use Action::*;
    match by {
        Requester::Shopper => matches!(action, Pay | Cancel | Refund | Complete),
        Requester::Staff => matches!(action, Accept | Ready | Verify | Dispatch | Deliver),
        Requester::Merchant => true,
    }
}

fn event(action: Action, order: &Order, by: Requester, refund_no: usize) -> Event {
    match action {
        Action::Pay => Event::Pay {
            transaction_id: "wx-1".into(),
            amount: order.payable,
        },
        Action::Cancel => Event::Cancel,
        Action::Ship => Event::Ship { shipment: None },
        Action::Complete => Event::Complete,
        Action::Accept => Event::Accept,
        Action::Ready => Event::Ready {
            pickup_code: "042917".into(),
        },
        Action::Verify => Event::Verify {
            code: order
                .pickup
                .as_ref()
                .map(|t| t.code.clone())
                .unwrap_or_default(),
        },
        Action::Dispatch => Event::Dispatch,
        Action::Deliver => Event::Deliver,
        Action::Refund => Event::Refund {
            refund_id: format!("r{refund_no}"),
            lines: Some(vec![RefundLine {
                sku_id: order
                    .lines
                    .iter()
                    .find(|l| l.refunded_quantity < l.quantity)
                    .unwrap_or(&order.lines[0])
                    .sku_id
                    .clone(),
                quantity: 1,
                amount: Default::default(),
            }]),
            by,
        },
    }
}

proptest! {
    #[test]
    fn listed_actions_are_accepted_and_accepted_ones_listed(
        flow in 0usize..3,
        steps in prop::collection::vec((0usize..Action::ALL.len(), 0usize..3, 0i64..2000), 0..10)
    ) {
        let mut order = order(flow);
        let start = order.created_at;
        let roles = [Requester::Shopper, Requester::Staff, Requester::Merchant];
        for (i, (pick, role, dt)) in steps.into_iter().enumerate() {
            let now = start + dt;
            for by in roles {
                let listed = order.actions(by, now);
                for action in Action::ALL {
                    let accepted = transition(order.clone(), &event(action, &order, by, i), now)
                        .is_ok_and(|t| t.changed && t.effects.wrong_code.is_none());
                    let late_pay = action == Action::Pay && now >= order.pay_by;
                    if listed.contains(&action) {
                        prop_assert!(accepted, "{action:?} listed for {by:?} in {:?} but refused", order.status);
                    } else if accepted {
                        prop_assert!(!role_takes(by, action) || late_pay, "{action:?} accepted for {by:?} in {:?} but not listed", order.status);
                    }
                }
            }
            let by = roles[role];
            let action = Action::ALL[pick];
            if let Ok(t) = transition(order.clone(), &event(action, &order, by, i), now) {
                order = t.order;
            }
        }
    }

    #[test]
    fn a_pickup_completes_only_with_its_code_and_five_wrong_codes_lock(
        wrong in prop::collection::vec("[0-9]{6}", 1..12)
    ) {
        let mut order = order(1);
        let now = order.created_at;
        for event in [
            Event::Pay { transaction_id: "wx-1".into(), amount: order.payable },
            Event::Accept,
            Event::Ready { pickup_code: "042917".into() },
        ] {
            order = transition(order, &event, now).expect("to ready").order;
        }
        let mut failures = 0;
        for code in wrong.iter().filter(|c| c.as_str() != "042917") {
            match transition(order.clone(), &Event::Verify { code: code.clone() }, now) {
                Ok(t) => {
                    failures += 1;
                    prop_assert_eq!(t.order.status, OrderStatus::Ready);
                    let wrong = t.effects.wrong_code.clone().expect("a wrong code is recorded");
                    prop_assert_eq!(wrong.locked_until.is_some(), failures == 5);
                    order = t.order;
                }
                Err(e) => {
                    prop_assert!(failures >= 5, "refused before five failures: {e}");
                    prop_assert_eq!(e.code(), "PICKUP_LOCKED");
                }
            }
        }
        let right = Event::Verify { code: "042917".into() };
        if failures >= 5 {
            prop_assert_eq!(transition(order.clone(), &right, now).unwrap_err().code(), "PICKUP_LOCKED");
            let later = now + commerce_core::orders::PICKUP_LOCK_S;
            prop_assert_eq!(transition(order, &right, later).expect("after the lock").order.status, OrderStatus::Completed);
        } else {
            prop_assert_eq!(transition(order, &right, now).expect("the right code").order.status, OrderStatus::Completed);
        }
    }
}
