//! The `fulfilment_assign` operation: the serving store for a cart, a
//! fulfilment and the stores' stock, with its fee when the goods amount is
//! given - the same answer in the mini-program (a preview with the last
//! stock it saw) and at the edge (with live stock).
//!
//! "No store can serve this cart now" is an answer here, not an error:
//! `{"outcome": "unserved", "code": "NO_STORE_CAN_SERVE", ...}` with every
//! candidate's reasons and the one-tap suggestions, which a checkout page
//! shows. Input that is wrong whatever the stores hold (a bad phone, an
//! unknown store, a pickup time in the past, a fee rule that cannot be
//! evaluated, goods below the delivery minimum) is a typed error.
//!
//! Invariants: pure; `assigned` only when [`Plan::assign`] found a store;
//! the fee is the rule book's (`docs/lbs.md` §10) for that store's distance
//! or the address's province, never negative.

use super::contract::{
    Assignment, Candidate, FeeQuote, Fulfilment, FulfilmentRules, LiveStock, Mode, Suggestion,
};
use super::error::FulfilmentError;
use super::Plan;
use crate::error::Coded;
use crate::lbs::{Cart, StoreIndex, StoreSnapshot};
use crate::money::Money;
use crate::pricing::LineRequest;
use serde::{Deserialize, Serialize};

/// Input of `fulfilment_assign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub stores: StoreSnapshot,
    /// Live units per store and SKU; a store not listed is judged by its
    /// snapshot's `stock`.
    #[serde(default)]
    pub live: LiveStock,
    #[serde(default)]
    pub rules: FulfilmentRules,
    /// Unix seconds.
    pub now: i64,
    pub lines: Vec<LineRequest>,
    pub fulfilment: Fulfilment,
    /// What the goods cost after discounts (the quote's `goods` less its
    /// discounts): with it the answer carries the fee, and delivery checks
    /// the minimum order.
    #[serde(default)]
    pub goods: Option<Money>,
}

/// Output of `fulfilment_assign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AssignOutcome {
    /// A store serves the whole cart.
    Assigned {
        assignment: Assignment,
        /// The fee, when `goods` was given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fee: Option<FeeQuote>,
    },
    /// No store can serve the whole cart this way now.
    Unserved {
        /// `NO_STORE_CAN_SERVE`, as checkout's 409 says it.
        code: String,
        message: String,
        mode: Mode,
        candidates: Vec<Candidate>,
        suggestions: Vec<Suggestion>,
    },
}

/// Run `fulfilment_assign`.
pub fn assign(request: AssignRequest) -> Result<AssignOutcome, FulfilmentError> {
    if let Some(delivery) = &request.rules.delivery {
        delivery.validate()?;
    }
    if let Some(express) = &request.rules.express {
        express.validate()?;
    }
    let cart = Cart::new(&request.lines)?;
    let index = StoreIndex::build(request.stores)?;
    let plan = Plan {
        index: &index,
        live: &request.live,
        rules: &request.rules,
        now: request.now,
    };
    let assignment = match plan.assign(&cart, &request.fulfilment) {
        Ok(assignment) => assignment,
        Err(e) => {
            let (code, message) = (e.code().to_owned(), e.to_string());
            return match e {
                FulfilmentError::NoStore {
                    mode,
                    candidates,
                    suggestions,
                } => Ok(AssignOutcome::Unserved {
                    code,
                    message,
                    mode,
                    candidates,
                    suggestions,
                }),
                other => Err(other),
            };
        }
    };
    let fee = match request.goods {
        Some(goods) => Some(fee(
            &request.rules,
            &request.fulfilment,
            &assignment,
            &cart,
            goods,
        )?),
        None => None,
    };
    Ok(AssignOutcome::Assigned { assignment, fee })
}

/// The fee of an assigned fulfilment for `goods`.
fn fee(
    rules: &FulfilmentRules,
    fulfilment: &Fulfilment,
    assignment: &Assignment,
    cart: &Cart,
    goods: Money,
) -> Result<FeeQuote, FulfilmentError> {
    let not_offered = |mode| FulfilmentError::ModeNotOffered { mode };
    let (fee, free) = match fulfilment {
        Fulfilment::Pickup { .. } => (Money::ZERO, false),
        Fulfilment::Delivery { .. } => rules
            .delivery
            .as_ref()
            .ok_or(not_offered(Mode::Delivery))?
            .fee(assignment.distance_m.unwrap_or(0), goods)?,
        Fulfilment::Express { address } => {
            let items = cart.lines().fold(0i64, |sum, (_, q)| sum.saturating_add(q));
            rules
                .express
                .as_ref()
                .ok_or(not_offered(Mode::Express))?
                .fee(&address.province, items, goods)?
        }
    };
    Ok(FeeQuote { fee, free })
}
