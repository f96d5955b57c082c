//! Why an order cannot be fulfilled as asked: [`FulfilmentError`], with
//! stable codes.
//!
//! Invariants: input that is wrong whatever the stores hold (a phone, a
//! time in the past, an unknown store) is `Domain` (422, like every field
//! rule of the LBS; 400 is only for JSON that is not the contract's
//! shape); "no store can serve this cart now" depends on live stock and
//! hours, so it is a `Conflict` (409) and carries, per candidate store, what
//! stops it and the suggestions a page can offer as one-tap fixes (the
//! `fulfilment_assign` operation answers it as `unserved` instead).

use super::contract::{Candidate, Mode, Suggestion};
use crate::error::{Coded, ErrorKind};
use crate::lbs::LbsError;
use crate::money::Money;
use crate::pricing::PricingError;
use std::fmt;

/// Why fulfilment refused.
#[derive(Debug, Clone, PartialEq)]
pub enum FulfilmentError {
    Lbs(LbsError),
    Pricing(PricingError),
    /// A fee rule that cannot be evaluated.
    InvalidRule {
        detail: String,
    },
    InvalidPhone {
        given: String,
    },
    InvalidAddress {
        field: &'static str,
        detail: String,
    },
    UnknownStore {
        store_id: String,
    },
    /// The store's snapshot has no `stock`: it holds everything, and
    /// there is no count to change.
    StockNotTracked {
        store_id: String,
    },
    PickupTimePast {
        pickup_at: i64,
        now: i64,
    },
    PickupTooFarAhead {
        pickup_at: i64,
        latest: i64,
    },
    /// The shop does not offer this mode (no rules for it).
    ModeNotOffered {
        mode: Mode,
    },
    /// Parcels are not shipped to this region.
    RegionNotServed {
        province: String,
    },
    /// Instant delivery starts at a minimum order (起送价).
    BelowMinimumOrder {
        minimum: Money,
        goods: Money,
    },
    /// No store can serve the whole cart this way now.
    NoStore {
        mode: Mode,
        candidates: Vec<Candidate>,
        suggestions: Vec<Suggestion>,
    },
}

impl From<LbsError> for FulfilmentError {
    fn from(e: LbsError) -> Self {
        FulfilmentError::Lbs(e)
    }
}

impl fmt::Display for FulfilmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FulfilmentError::Lbs(e) => e.fmt(f),
            FulfilmentError::Pricing(e) => e.fmt(f),
            FulfilmentError::InvalidRule { detail } => write!(f, "fulfilment rules: {detail}"),
            FulfilmentError::InvalidPhone { given } => write!(
                f,
                "phone {given:?} is not a mainland mobile (11 digits, 1[3-9]...) or landline (0 + area code) number"
            ),
            FulfilmentError::InvalidAddress { field, detail } => {
                write!(f, "address {field}: {detail}")
            }
            FulfilmentError::UnknownStore { store_id } => write!(f, "no store {store_id}"),
            FulfilmentError::StockNotTracked { store_id } => write!(
                f,
                "store {store_id} tracks no stock: publish a `stock` map for it in the store snapshot first"
            ),
            FulfilmentError::PickupTimePast { pickup_at, now } => {
                write!(f, "pickup_at {pickup_at} is before now ({now})")
            }
            FulfilmentError::PickupTooFarAhead { pickup_at, latest } => {
                write!(f, "pickup_at {pickup_at} is later than the latest pickup time {latest}")
            }
            FulfilmentError::ModeNotOffered { mode } => {
                write!(f, "this shop does not offer {}", mode.name())
            }
            FulfilmentError::RegionNotServed { province } => {
                write!(f, "parcels are not shipped to {province}")
            }
            FulfilmentError::BelowMinimumOrder { minimum, goods } => write!(
                f,
                "delivery starts at {} fen of goods; the cart has {} fen, {} short",
                minimum.as_fen(),
                goods.as_fen(),
                minimum.as_fen().saturating_sub(goods.as_fen())
            ),
            FulfilmentError::NoStore {
                mode, candidates, ..
            } => {
                write!(f, "no store can serve the whole cart by {}", mode.name())?;
                for c in candidates.iter().take(5) {
                    write!(f, "; {}", c.explain())?;
                }
                Ok(())
            }
        }
    }
}

impl Coded for FulfilmentError {
    fn code(&self) -> &'static str {
        match self {
            FulfilmentError::Lbs(e) => e.code(),
            FulfilmentError::Pricing(e) => e.code(),
            FulfilmentError::InvalidRule { .. } => "INVALID_RULE",
            FulfilmentError::InvalidPhone { .. } => "INVALID_PHONE",
            FulfilmentError::InvalidAddress { .. } => "INVALID_ADDRESS",
            FulfilmentError::UnknownStore { .. } => "UNKNOWN_STORE",
            FulfilmentError::StockNotTracked { .. } => "STOCK_NOT_TRACKED",
            FulfilmentError::PickupTimePast { .. } => "PICKUP_TIME_PAST",
            FulfilmentError::PickupTooFarAhead { .. } => "PICKUP_TOO_FAR_AHEAD",
            FulfilmentError::ModeNotOffered { .. } => "MODE_NOT_OFFERED",
            FulfilmentError::RegionNotServed { .. } => "REGION_NOT_SERVED",
            FulfilmentError::BelowMinimumOrder { .. } => "BELOW_MINIMUM_ORDER",
            FulfilmentError::NoStore { .. } => "NO_STORE_CAN_SERVE",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            FulfilmentError::Lbs(e) => e.kind(),
            FulfilmentError::Pricing(e) => e.kind(),
            FulfilmentError::NoStore { .. } | FulfilmentError::StockNotTracked { .. } => {
                ErrorKind::Conflict
            }
            _ => ErrorKind::Domain,
        }
    }
}
