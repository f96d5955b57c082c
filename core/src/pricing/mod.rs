//! Pricing: turns a cart and a catalog snapshot into a [`Quote`].
//!
//! Invariants:
//! - every amount is integer fen ([`Money`]); no float is ever involved;
//! - `subtotal` equals the sum of the line totals, to the fen;
//! - bad input (unknown SKU, quantity <= 0, overflow) is a [`PricingError`],
//!   never a panic.
//!
//! ```
//! use commerce_core::pricing::{quote, QuoteRequest};
//! let request: QuoteRequest = serde_json::from_str(r#"{
//!   "catalog": {"products":[{"id":"p1","name":"Tea","shop_id":"s1","category_id":"drinks",
//!               "skus":[{"id":"tea","list_price":1800,"stock":10}]}]},
//!   "lines": [{"sku_id":"tea","quantity":3}]}"#).unwrap();
//! assert_eq!(quote(&request).unwrap().subtotal.as_fen(), 5400);
//! ```

use crate::catalog::{Catalog, CatalogError, CatalogSnapshot};
use crate::error::Coded;
use crate::money::{Money, MoneyError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Input of [`quote`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRequest {
    pub catalog: CatalogSnapshot,
    pub lines: Vec<LineRequest>,
}

/// One cart line to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRequest {
    pub sku_id: String,
    pub quantity: i64,
}

/// Output of [`quote`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub lines: Vec<QuotedLine>,
    pub subtotal: Money,
}

/// A priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotedLine {
    pub sku_id: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub total: Money,
}

/// Why a quote could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PricingError {
    Catalog(CatalogError),
    UnknownSku { sku_id: String },
    InvalidQuantity { sku_id: String, quantity: i64 },
    Overflow,
}

impl From<CatalogError> for PricingError {
    fn from(e: CatalogError) -> Self {
        PricingError::Catalog(e)
    }
}

impl From<MoneyError> for PricingError {
    fn from(_: MoneyError) -> Self {
        PricingError::Overflow
    }
}

impl fmt::Display for PricingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PricingError::Catalog(e) => e.fmt(f),
            PricingError::UnknownSku { sku_id } => {
                write!(f, "SKU {sku_id} is not in the catalog")
            }
            PricingError::InvalidQuantity { sku_id, quantity } => {
                write!(
                    f,
                    "quantity of SKU {sku_id} must be at least 1, got {quantity}"
                )
            }
            PricingError::Overflow => MoneyError::Overflow.fmt(f),
        }
    }
}

impl Coded for PricingError {
    fn code(&self) -> &'static str {
        match self {
            PricingError::Catalog(e) => e.code(),
            PricingError::UnknownSku { .. } => "UNKNOWN_SKU",
            PricingError::InvalidQuantity { .. } => "INVALID_QUANTITY",
            PricingError::Overflow => "AMOUNT_OVERFLOW",
        }
    }
}

/// Price every line at its list price and sum them.
pub fn quote(request: &QuoteRequest) -> Result<Quote, PricingError> {
    let catalog = Catalog::new(&request.catalog)?;
    let lines = request
        .lines
        .iter()
        .map(|line| {
            let found = catalog
                .sku(&line.sku_id)
                .ok_or_else(|| PricingError::UnknownSku {
                    sku_id: line.sku_id.clone(),
                })?;
            if line.quantity <= 0 {
                return Err(PricingError::InvalidQuantity {
                    sku_id: line.sku_id.clone(),
                    quantity: line.quantity,
                });
            }
            let unit_price = found.sku.list_price;
            Ok(QuotedLine {
                sku_id: line.sku_id.clone(),
                quantity: line.quantity,
                unit_price,
                total: unit_price.times(line.quantity)?,
            })
        })
        .collect::<Result<Vec<_>, PricingError>>()?;
    let subtotal = Money::sum(lines.iter().map(|l| l.total))?;
    Ok(Quote { lines, subtotal })
}
