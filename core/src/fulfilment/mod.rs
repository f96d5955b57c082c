//! Fulfilment (履约): how an order reaches the shopper - picked up at a
//! store (到店自提), delivered from a store the same day (即时配送), or
//! shipped as a parcel (快递) - which store serves it, and what that costs.
//!
//! One rule per module: `address` (contacts, phones, delivery and postal
//! addresses), `fees` (instant-delivery fees by distance, parcel fees by
//! region), `assign` (the serving store, or why none and what would fix
//! it), `operation` (the `fulfilment_assign` operation: the decision and its
//! fee), `contract` (the wire shapes), `error` (codes). The decision runs on
//! the phone as a preview (with the last stock it saw) and at the edge as
//! the authority (with live stock): the same code, the same answer for the
//! same data. Rule book: `docs/lbs.md` (the store) and `docs/pricing.md`
//! (the fees).
//!
//! Invariants: pure (stores, live stock, the cart, the address and `now`
//! are arguments); nothing here panics on input; an address's coordinate
//! system is always given, never guessed.

mod address;
mod assign;
mod contract;
mod error;
mod fees;
mod operation;

pub use address::{Contact, DeliveryAddress, PostalAddress};
pub use assign::Plan;
pub use contract::{
    Assignment, Candidate, FeeQuote, Fulfilment, FulfilmentRules, LiveStock, LowStock, Mode, Short,
    Suggestion, TrimLine, Why,
};
pub use error::FulfilmentError;
pub use fees::{DeliveryFees, ExpressFees, ExpressTemplate};
pub use operation::{assign, AssignOutcome, AssignRequest};
