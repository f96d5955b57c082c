//! Catalog snapshot: the products (SPU) and SKUs a quote or a cart is checked
//! against.
//!
//! A snapshot is plain data handed in by the caller (the mini-program from its
//! offline cache, the edge from KV); core never fetches it. Invariants checked
//! by [`Catalog::new`]: SKU ids are unique across the snapshot, prices and
//! stock are `>= 0`.
//!
//! ```
//! use commerce_core::catalog::{Catalog, CatalogSnapshot};
//! let snapshot: CatalogSnapshot = serde_json::from_str(r#"{"products":[{
//!   "id":"p1","name":"Tea","shop_id":"s1","category_id":"drinks",
//!   "skus":[{"id":"p1-l","list_price":1800,"stock":10}]}]}"#).unwrap();
//! let catalog = Catalog::new(&snapshot).unwrap();
//! assert_eq!(catalog.sku("p1-l").unwrap().sku.list_price.as_fen(), 1800);
//! ```

use crate::error::Coded;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

fn yes() -> bool {
    true
}

/// Everything sellable at one moment, as shipped to clients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CatalogSnapshot {
    /// Opaque version of the snapshot (used as an ETag by caches).
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub products: Vec<Product>,
}

/// A product (SPU, 商品): what the shopper browses; it has one or more SKUs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Product {
    pub id: String,
    pub name: String,
    pub shop_id: String,
    pub category_id: String,
    pub skus: Vec<Sku>,
    /// Whether coupons may discount this product.
    #[serde(default = "yes")]
    pub coupons_allowed: bool,
    /// Whether points (积分) may pay for this product.
    #[serde(default = "yes")]
    pub points_allowed: bool,
    /// Delisted products stay in the snapshot so carts can explain them.
    #[serde(default = "yes")]
    pub listed: bool,
}

/// A SKU (库存单位): one purchasable variant of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Sku {
    pub id: String,
    /// Spec values, e.g. `{"colour":"red","size":"L"}`.
    #[serde(default)]
    pub spec: BTreeMap<String, String>,
    pub list_price: Money,
    /// Member-tier prices by tier name, e.g. `{"gold": 1600}`.
    #[serde(default)]
    pub tier_prices: BTreeMap<String, Money>,
    /// Units on hand.
    pub stock: i64,
    /// Most units one shopper may buy, if limited.
    #[serde(default)]
    pub purchase_limit: Option<i64>,
    #[serde(default = "yes")]
    pub listed: bool,
}

/// A SKU together with its product.
#[derive(Debug, Clone, Copy)]
pub struct SkuRef<'a> {
    pub product: &'a Product,
    pub sku: &'a Sku,
}

impl SkuRef<'_> {
    /// Sellable: both the product and the SKU are listed.
    pub fn is_listed(&self) -> bool {
        self.product.listed && self.sku.listed
    }
}

/// An indexed, validated view of a [`CatalogSnapshot`].
#[derive(Debug, Clone)]
pub struct Catalog<'a> {
    by_sku: BTreeMap<&'a str, SkuRef<'a>>,
}

/// Why a snapshot is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    DuplicateSku { sku_id: String },
    NegativePrice { sku_id: String, price: Money },
    NegativeStock { sku_id: String, stock: i64 },
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::DuplicateSku { sku_id } => {
                write!(f, "SKU {sku_id} appears more than once in the catalog")
            }
            CatalogError::NegativePrice { sku_id, price } => {
                write!(
                    f,
                    "SKU {sku_id} has a negative price ({} fen)",
                    price.as_fen()
                )
            }
            CatalogError::NegativeStock { sku_id, stock } => {
                write!(f, "SKU {sku_id} has negative stock ({stock})")
            }
        }
    }
}

impl Coded for CatalogError {
    fn code(&self) -> &'static str {
        match self {
            CatalogError::DuplicateSku { .. } => "DUPLICATE_SKU",
            CatalogError::NegativePrice { .. } => "NEGATIVE_PRICE",
            CatalogError::NegativeStock { .. } => "NEGATIVE_STOCK",
        }
    }
}

impl<'a> Catalog<'a> {
    /// Index a snapshot, rejecting duplicate SKUs and negative numbers.
    pub fn new(snapshot: &'a CatalogSnapshot) -> Result<Self, CatalogError> {
        let mut by_sku = BTreeMap::new();
        for product in &snapshot.products {
            for sku in &product.skus {
                if sku.list_price.is_negative() || sku.tier_prices.values().any(|p| p.is_negative())
                {
                    let price = sku.list_price.min(
                        sku.tier_prices
                            .values()
                            .copied()
                            .min()
                            .unwrap_or(sku.list_price),
                    );
                    return Err(CatalogError::NegativePrice {
                        sku_id: sku.id.clone(),
                        price,
                    });
                }
                if sku.stock < 0 {
                    return Err(CatalogError::NegativeStock {
                        sku_id: sku.id.clone(),
                        stock: sku.stock,
                    });
                }
                if by_sku
                    .insert(sku.id.as_str(), SkuRef { product, sku })
                    .is_some()
                {
                    return Err(CatalogError::DuplicateSku {
                        sku_id: sku.id.clone(),
                    });
                }
            }
        }
        Ok(Catalog { by_sku })
    }

    /// The SKU with this id, if the snapshot has it.
    pub fn sku(&self, sku_id: &str) -> Option<SkuRef<'a>> {
        self.by_sku.get(sku_id).copied()
    }
}
