//! Property: the actions an order lists are exactly what its state machine
//! takes. Along random event histories of a real checkout (the accepted
//! vector `tests/vectors/orders-checkout-accepted.json`), at random times,
//! for both roles: every listed action's event is accepted by `transition`
//! at that time, and an accepted event is listed unless it is the shopper
//! paying after `pay_by` or a role's action it may not take.

use commerce_core::orders::{
    checkout, transition, Action, CheckoutRequest, Event, Order, RefundLine, Requester,
};
use proptest::prelude::*;

fn order() -> Order {
    let vector: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/vectors/orders-checkout-accepted.json"
    ))
    .expect("vector");
    let request: CheckoutRequest =
        serde_json::from_value(vector["request"].clone()).expect("request");
    checkout(&request).expect("checkout").order
}

fn event(action: Action, order: &Order, by: Requester, refund_no: usize) -> Event {
    match action {
        Action::Pay => Event::Pay {
            transaction_id: "wx-1".into(),
            amount: order.payable,
        },
        Action::Cancel => Event::Cancel,
        Action::Ship => Event::Ship,
        Action::Complete => Event::Complete,
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
        steps in prop::collection::vec((0usize..5, any::<bool>(), 0i64..2000), 0..8)
    ) {
        let mut order = order();
        let start = order.created_at;
        for (i, (pick, merchant, dt)) in steps.into_iter().enumerate() {
            let now = start + dt;
            for by in [Requester::Shopper, Requester::Merchant] {
                let listed = order.actions(by, now);
                for action in Action::ALL {
                    let accepted = transition(order.clone(), &event(action, &order, by, i), now)
                        .is_ok_and(|t| t.changed);
                    let merchant_only = by == Requester::Shopper
                        && matches!(action, Action::Ship | Action::Complete);
                    let late_pay = action == Action::Pay && now >= order.pay_by;
                    if listed.contains(&action) {
                        prop_assert!(accepted, "{action:?} listed for {by:?} in {:?} but refused", order.status);
                    } else if accepted {
                        prop_assert!(merchant_only || late_pay, "{action:?} accepted for {by:?} in {:?} but not listed", order.status);
                    }
                }
            }
            let by = if merchant { Requester::Merchant } else { Requester::Shopper };
            let action = Action::ALL[pick];
            if let Ok(t) = transition(order.clone(), &event(action, &order, by, i), now) {
                order = t.order;
            }
        }
    }
}
