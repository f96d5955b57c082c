//! What may be done to an order now, by whom: the order's `actions`, so the
//! edge and the pages read them instead of re-deciding.
//!
//! Rule: an action is offered when core's state machine takes its event in
//! the order's status and flow for that role - `pay` (before `pay_by` only)
//! and `cancel` while the order is unpaid, `complete` (确认收货) once it is
//! delivered or shipped; `refund` while the role may refund in
//! this status (the shopper before fulfilment starts, the merchant also
//! after); a store's staff get the fulfilment steps (`accept`, `ready`,
//! `verify`, `dispatch`, `deliver`); the merchant every action.
//!
//! Example: an unpaid order before its deadline offers the shopper
//! `["pay", "cancel"]`, after `pay_by` only `["cancel"]` (the payment timer
//! cancels it soon); a shipped order offers the shopper nothing and the
//! merchant `["complete", "refund"]`.
//!
//! Invariant: every action listed is accepted by [`transition`] at the
//! same `now` (property-tested in `core/tests/order_actions.rs`).
//!
//! [`transition`]: super::transition

use super::error::OrderError;
use super::state::{transition_status, Event, Order, Requester};
use serde::{Deserialize, Serialize};

/// Something that can be done to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Pay,
    Cancel,
    Refund,
    Ship,
    Complete,
    Accept,
    Ready,
    Verify,
    Dispatch,
    Deliver,
}

impl Action {
    /// Every action, in the order they are listed.
    pub const ALL: [Action; 10] = [
        Action::Pay,
        Action::Cancel,
        Action::Accept,
        Action::Ready,
        Action::Verify,
        Action::Dispatch,
        Action::Deliver,
        Action::Ship,
        Action::Complete,
        Action::Refund,
    ];

    /// A representative event of this action by `by` (amounts and ids do
    /// not change what the state machine allows).
    fn event(self, order: &Order, by: Requester) -> Event {
        match self {
            Action::Pay => Event::Pay {
                transaction_id: String::new(),
                amount: order.payable,
            },
            Action::Cancel => Event::Cancel,
            Action::Ship => Event::Ship { shipment: None },
            Action::Complete => Event::Complete,
            Action::Accept => Event::Accept,
            Action::Ready => Event::Ready {
                pickup_code: String::new(),
            },
            Action::Verify => Event::Verify {
                code: String::new(),
            },
            Action::Dispatch => Event::Dispatch,
            Action::Deliver => Event::Deliver,
            Action::Refund => Event::Refund {
                refund_id: String::new(),
                lines: None,
                by,
            },
        }
    }

    /// Whether `by` takes this kind of action at all.
    fn taken_by(self, by: Requester) -> bool {
        use Action::*;
        match by {
            Requester::Shopper => matches!(self, Pay | Cancel | Refund | Complete),
            Requester::Staff => matches!(self, Accept | Ready | Verify | Dispatch | Deliver),
            Requester::Merchant => true,
        }
    }
}

impl Order {
    /// The actions `by` may take on this order at `now`.
    pub fn actions(&self, by: Requester, now: i64) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.allows(*a, by, now).is_ok())
            .collect()
    }

    /// `Ok` if `by` may take `action` now; otherwise the state machine's
    /// reason (`INVALID_TRANSITION`, `REFUND_NEEDS_MERCHANT`).
    pub fn allows(&self, action: Action, by: Requester, now: i64) -> Result<(), OrderError> {
        let refuse = |event: &'static str| OrderError::InvalidTransition {
            status: self.status,
            event,
        };
        if !action.taken_by(by) {
            return Err(refuse("do another role's action"));
        }
        transition_status(self.flow(), self.status, &action.event(self, by))?;
        if action == Action::Pay && now >= self.pay_by {
            return Err(refuse("pay after its payment deadline"));
        }
        Ok(())
    }

    /// The order as `by` sees it at `now`: with its actions; a store's
    /// staff do not see the pickup code (the shopper tells it).
    pub fn view(mut self, by: Requester, now: i64) -> OrderView {
        let actions = self.actions(by, now);
        if by == Requester::Staff {
            if let Some(ticket) = self.pickup.as_mut() {
                ticket.code.clear();
            }
        }
        OrderView {
            order: self,
            actions,
        }
    }
}

/// An order as one role sees it: the stored order and what that role may
/// do with it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderView {
    #[serde(flatten)]
    pub order: Order,
    pub actions: Vec<Action>,
}
