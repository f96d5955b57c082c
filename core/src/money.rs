//! Integer money in fen (分, 1/100 yuan).
//!
//! Invariants:
//! - an amount is an `i64` count of fen; there is no float anywhere in money;
//! - every amount lies within `±(2^53 - 1)` fen ([`Money::MAX`]), so it is exact
//!   as a JavaScript number in the mini-program and the browser;
//! - every arithmetic operation is checked and returns [`MoneyError::Overflow`]
//!   instead of leaving that range, wrapping or panicking;
//! - on the wire an amount is a plain JSON integer (`1999` is 19.99 yuan).
//!
//! ```
//! use commerce_core::money::Money;
//! let unit = Money::fen(1999);
//! assert_eq!(unit.times(3).unwrap(), Money::fen(5997));
//! assert!(Money::MAX.times(2).is_err());
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in fen. May be negative only where a signed delta is
/// meant (e.g. a discount recorded as `-500`); prices and totals are `>= 0`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Money(i64);

/// Money arithmetic left the range of `i64` fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    Overflow,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("amount out of range (more than 2^53 - 1 fen)")
    }
}

impl std::error::Error for MoneyError {}

impl TryFrom<i64> for Money {
    type Error = MoneyError;
    fn try_from(fen: i64) -> Result<Money, MoneyError> {
        Money::checked(fen)
    }
}

impl From<Money> for i64 {
    fn from(m: Money) -> i64 {
        m.0
    }
}

impl Money {
    pub const ZERO: Money = Money(0);
    /// The largest amount: `2^53 - 1` fen, the largest integer a JavaScript
    /// number holds exactly.
    pub const MAX: Money = Money(9_007_199_254_740_991);

    /// An amount of `fen` fen, for literals known to be in range. Use
    /// [`Money::checked`] for anything computed or received.
    pub const fn fen(fen: i64) -> Money {
        Money(fen)
    }

    /// `fen` fen if it lies within `±MAX`.
    pub fn checked(fen: i64) -> Result<Money, MoneyError> {
        if fen.unsigned_abs() <= Money::MAX.0.unsigned_abs() {
            Ok(Money(fen))
        } else {
            Err(MoneyError::Overflow)
        }
    }

    /// The amount as a count of fen.
    pub const fn as_fen(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        Money::checked(self.0.checked_add(other.0).ok_or(MoneyError::Overflow)?)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        Money::checked(self.0.checked_sub(other.0).ok_or(MoneyError::Overflow)?)
    }

    /// The amount multiplied by a count (e.g. unit price x quantity).
    pub fn times(self, count: i64) -> Result<Money, MoneyError> {
        Money::checked(self.0.checked_mul(count).ok_or(MoneyError::Overflow)?)
    }

    /// `self * numerator / denominator`, computed in i128 and rounded half-up
    /// (half away from zero) to the fen. `denominator` must be positive.
    ///
    /// ```
    /// use commerce_core::money::Money;
    /// // 25% of 1.99 yuan = 49.75 fen -> 50 fen
    /// assert_eq!(Money::fen(199).mul_div_round(25, 100).unwrap(), Money::fen(50));
    /// ```
    pub fn mul_div_round(self, numerator: i64, denominator: i64) -> Result<Money, MoneyError> {
        if denominator <= 0 {
            return Err(MoneyError::Overflow);
        }
        let product = i128::from(self.0) * i128::from(numerator);
        let den = i128::from(denominator);
        let half = den / 2;
        let rounded = if product >= 0 {
            (product + half) / den
        } else {
            -((-product + half) / den)
        };
        Money::checked(i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?)
    }

    /// `percent`% of the amount, rounded half-up to the fen (the one rounding
    /// rule of every percentage discount).
    ///
    /// ```
    /// use commerce_core::money::Money;
    /// // 25% of 30 fen = 7.5 fen -> 8 fen
    /// assert_eq!(Money::fen(30).percent(25).unwrap(), Money::fen(8));
    /// ```
    pub fn percent(self, percent: i64) -> Result<Money, MoneyError> {
        self.mul_div_round(percent, 100)
    }

    /// Sum of amounts, checked.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    pub fn min(self, other: Money) -> Money {
        Money(self.0.min(other.0))
    }

    pub fn max(self, other: Money) -> Money {
        Money(self.0.max(other.0))
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// On the wire an integer within `±(2^53 - 1)` fen: what [`Money::checked`]
/// accepts when decoding, so a schema-valid amount always decodes.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "integer",
            "minimum": -Money::MAX.0,
            "maximum": Money::MAX.0,
            "description": "An amount in fen (1999 = 19.99 yuan): an integer within ±(2^53 - 1), never a float."
        })
    }
}

impl fmt::Display for Money {
    /// Yuan with two decimals, e.g. `19.99`; for messages only, never parsed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_rounding() {
        assert_eq!(Money::fen(1).mul_div_round(1, 2).unwrap(), Money::fen(1));
        assert_eq!(Money::fen(3).mul_div_round(1, 2).unwrap(), Money::fen(2));
        assert_eq!(Money::fen(-3).mul_div_round(1, 2).unwrap(), Money::fen(-2));
        assert_eq!(Money::fen(10).mul_div_round(1, 3).unwrap(), Money::fen(3));
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(
            Money::fen(i64::MAX).checked_add(Money::fen(1)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::fen(i64::MAX).mul_div_round(3, 1),
            Err(MoneyError::Overflow)
        );
        assert_eq!(Money::fen(5).mul_div_round(1, 0), Err(MoneyError::Overflow));
    }

    #[test]
    fn display_in_yuan() {
        assert_eq!(Money::fen(1999).to_string(), "19.99");
        assert_eq!(Money::fen(-5).to_string(), "-0.05");
    }
}
