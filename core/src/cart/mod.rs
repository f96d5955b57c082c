//! Cart state (购物车): lines, the operations that change them, and the check
//! that keeps them honest against a catalog snapshot.
//!
//! **Rule.** A cart is a list of lines keyed by SKU plus, where a promotion
//! changes the price, an activity id ([`LineKey`]). Operations ([`CartOp`])
//! change the lines one at a time, each followed by [`check`] ([`Cart::step`]),
//! which clamps every line to stock and purchase limits and explains each
//! change with a [`Warning`] carrying a stable code (`OUT_OF_STOCK`,
//! `NOT_ENOUGH_STOCK`, `LIMIT_EXCEEDED`, `PRICE_CHANGED`, `UNAVAILABLE`).
//! Lines that cannot be bought are kept apart in [`Cart::invalid_lines`]
//! (失效商品) so the shopper still sees them; only the selected valid lines
//! are priced, through [`crate::pricing::quote`].
//!
//! ```
//! use commerce_core::cart::{apply_ops, Cart, CartOp, LineKey};
//! use commerce_core::catalog::CatalogSnapshot;
//! let catalog: CatalogSnapshot = serde_json::from_str(r#"{"products":[{
//!   "id":"p","name":"Bun","shop_id":"s","category_id":"food",
//!   "skus":[{"id":"bun","list_price":350,"stock":3}]}]}"#).unwrap();
//! let add = CartOp::Add { line: LineKey::sku("bun"), quantity: 5, seen_price: None };
//! let view = apply_ops(&catalog, Cart::default(), &[add]).unwrap();
//! assert_eq!(view.cart.lines[0].quantity, 3); // clamped to stock
//! assert_eq!(view.warnings[0].code(), "NOT_ENOUGH_STOCK");
//! assert_eq!(view.totals.payable.as_fen(), 1050);
//! ```
//!
//! Invariants:
//! - keys are unique across `lines` and `invalid_lines`, every quantity lies in
//!   `1..=MAX_LINE_QUANTITY` (enforced when a cart is decoded, too);
//! - an operation either applies completely or returns a [`CartError`] and
//!   leaves the cart as it was;
//! - [`check`] is idempotent: checking a checked cart against the same catalog
//!   changes nothing, and repeats only the warnings that say why each invalid
//!   line is invalid;
//! - lines keep the order they were added in, except that a line turning
//!   invalid (or valid again) moves to the end of the other list;
//! - since every path goes through [`Cart::step`], the same operations give the
//!   same cart however they were batched (the basis of sync convergence).

mod check;

pub use check::{check, CartCheck, Warning, WarningKind};

use crate::catalog::{Catalog, CatalogError, CatalogSnapshot};
use crate::error::Coded;
use crate::money::Money;
use crate::pricing::{self, LineRequest, PricingError, Quote, QuoteRequest};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most units a single line may hold.
pub const MAX_LINE_QUANTITY: i64 = 99_999;
/// Most lines a cart takes through [`CartOp::Add`] (a guest merge may exceed it
/// rather than lose lines).
pub const MAX_LINES: usize = 200;

fn yes() -> bool {
    true
}

/// What identifies a line: the SKU, and the activity (flash sale, group buy)
/// when the same SKU is bought at an activity's price.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineKey {
    pub sku_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
}

impl LineKey {
    /// The key of a SKU bought outside any activity.
    pub fn sku(sku_id: impl Into<String>) -> Self {
        LineKey {
            sku_id: sku_id.into(),
            activity_id: None,
        }
    }
}

impl fmt::Display for LineKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.activity_id {
            Some(activity) => write!(f, "{} (activity {activity})", self.sku_id),
            None => f.write_str(&self.sku_id),
        }
    }
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartLine {
    #[serde(flatten)]
    pub key: LineKey,
    pub quantity: i64,
    /// Ticked for checkout (勾选).
    #[serde(default = "yes")]
    pub selected: bool,
    /// The unit price the shopper last saw for this line, in fen; a different
    /// catalog price raises `PRICE_CHANGED` once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_price: Option<Money>,
}

/// A cart: valid lines and, apart, the lines that cannot be bought now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "RawCart")]
pub struct Cart {
    pub lines: Vec<CartLine>,
    pub invalid_lines: Vec<CartLine>,
}

/// A cart as received, before its invariants are checked.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct RawCart {
    #[serde(default)]
    lines: Vec<CartLine>,
    #[serde(default)]
    invalid_lines: Vec<CartLine>,
}

impl TryFrom<RawCart> for Cart {
    type Error = CartError;
    fn try_from(raw: RawCart) -> Result<Cart, CartError> {
        let mut seen = std::collections::BTreeSet::new();
        for line in raw.lines.iter().chain(&raw.invalid_lines) {
            valid_quantity(&line.key, line.quantity)?;
            if !seen.insert(&line.key) {
                return Err(CartError::DuplicateLine {
                    line: line.key.clone(),
                });
            }
        }
        Ok(Cart {
            lines: raw.lines,
            invalid_lines: raw.invalid_lines,
        })
    }
}

/// An operation on a cart, as the shopper performs it and as it travels
/// inside a sync mutation: `{"type":"add","sku_id":"tea","quantity":2}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, tag = "type", rename_all = "snake_case")]
pub enum CartOp {
    /// Add units to a line, creating it (selected) if needed. `seen_price` is
    /// the unit price the page showed; it defaults to the catalog's.
    Add {
        #[serde(flatten)]
        line: LineKey,
        quantity: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen_price: Option<Money>,
    },
    /// Replace a line's quantity.
    SetQuantity {
        #[serde(flatten)]
        line: LineKey,
        quantity: i64,
    },
    /// Remove a line; removing an absent line does nothing.
    Remove {
        #[serde(flatten)]
        line: LineKey,
    },
    Select {
        #[serde(flatten)]
        line: LineKey,
    },
    Unselect {
        #[serde(flatten)]
        line: LineKey,
    },
    #[serde(deserialize_with = "crate::api::no_fields")]
    SelectAll,
    #[serde(deserialize_with = "crate::api::no_fields")]
    UnselectAll,
    /// Remove every line the catalog says cannot be bought (清空失效商品).
    #[serde(deserialize_with = "crate::api::no_fields")]
    ClearInvalid,
    /// Fold a guest cart into this one: quantities of the same line add up,
    /// new lines are appended; the next [`check`] clamps.
    MergeGuest { lines: Vec<CartLine> },
}

/// Why a cart operation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartError {
    Catalog(CatalogError),
    Pricing(PricingError),
    UnknownSku { sku_id: String },
    SkuUnavailable { sku_id: String },
    InvalidQuantity { line: LineKey, quantity: i64 },
    QuantityTooLarge { line: LineKey, quantity: i64 },
    LineNotFound { line: LineKey },
    DuplicateLine { line: LineKey },
    CartFull { lines: usize },
}

impl From<CatalogError> for CartError {
    fn from(e: CatalogError) -> Self {
        CartError::Catalog(e)
    }
}

impl From<PricingError> for CartError {
    fn from(e: PricingError) -> Self {
        CartError::Pricing(e)
    }
}

impl fmt::Display for CartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CartError::Catalog(e) => e.fmt(f),
            CartError::Pricing(e) => e.fmt(f),
            CartError::UnknownSku { sku_id } => write!(f, "SKU {sku_id} is not in the catalog"),
            CartError::SkuUnavailable { sku_id } => {
                write!(f, "SKU {sku_id} is not on sale (delisted)")
            }
            CartError::InvalidQuantity { line, quantity } => write!(
                f,
                "quantity of {line} must be between 1 and {MAX_LINE_QUANTITY}, got {quantity}"
            ),
            CartError::QuantityTooLarge { line, quantity } => write!(
                f,
                "{line} would hold {quantity} units, at most {MAX_LINE_QUANTITY}"
            ),
            CartError::LineNotFound { line } => write!(f, "the cart has no line {line}"),
            CartError::DuplicateLine { line } => {
                write!(f, "line {line} appears more than once in the cart")
            }
            CartError::CartFull { lines } => {
                write!(f, "the cart has {lines} lines, at most {MAX_LINES}")
            }
        }
    }
}

impl Coded for CartError {
    fn code(&self) -> &'static str {
        match self {
            CartError::Catalog(e) => e.code(),
            CartError::Pricing(e) => e.code(),
            CartError::UnknownSku { .. } => "UNKNOWN_SKU",
            CartError::SkuUnavailable { .. } => "SKU_UNAVAILABLE",
            CartError::InvalidQuantity { .. } => "INVALID_QUANTITY",
            CartError::QuantityTooLarge { .. } => "QUANTITY_TOO_LARGE",
            CartError::LineNotFound { .. } => "LINE_NOT_FOUND",
            CartError::DuplicateLine { .. } => "DUPLICATE_LINE",
            CartError::CartFull { .. } => "CART_FULL",
        }
    }
}

fn valid_quantity(line: &LineKey, quantity: i64) -> Result<i64, CartError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(CartError::InvalidQuantity {
            line: line.clone(),
            quantity,
        })
    }
}

/// `a + b` units, refused past [`MAX_LINE_QUANTITY`].
fn added(line: &LineKey, a: i64, b: i64) -> Result<i64, CartError> {
    let quantity = a.saturating_add(b);
    if quantity > MAX_LINE_QUANTITY {
        Err(CartError::QuantityTooLarge {
            line: line.clone(),
            quantity,
        })
    } else {
        Ok(quantity)
    }
}

impl Cart {
    /// Every line, valid ones first.
    pub fn all_lines(&self) -> impl Iterator<Item = &CartLine> {
        self.lines.iter().chain(&self.invalid_lines)
    }

    fn all_lines_mut(&mut self) -> impl Iterator<Item = &mut CartLine> {
        self.lines.iter_mut().chain(&mut self.invalid_lines)
    }

    /// The line with this key, valid or not.
    pub fn line(&self, key: &LineKey) -> Option<&CartLine> {
        self.all_lines().find(|l| &l.key == key)
    }

    fn line_mut(&mut self, key: &LineKey) -> Result<&mut CartLine, CartError> {
        self.all_lines_mut()
            .find(|l| &l.key == key)
            .ok_or_else(|| CartError::LineNotFound { line: key.clone() })
    }

    fn len(&self) -> usize {
        self.lines.len() + self.invalid_lines.len()
    }

    /// Check the cart in place, adding to `warnings` those not already there.
    pub fn recheck(&mut self, catalog: &Catalog<'_>, warnings: &mut Vec<Warning>) {
        let CartCheck {
            cart,
            warnings: new,
        } = check(std::mem::take(self), catalog);
        *self = cart;
        for warning in new {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
    }

    /// What a shopper's tap does: apply `op`, then [`Cart::recheck`]. Every
    /// path (a page, the server replaying a push, a client rebasing) goes
    /// through this, one operation at a time, so a cart does not depend on
    /// how operations were batched. On error the cart is unchanged.
    pub fn step(
        &mut self,
        op: &CartOp,
        catalog: &Catalog<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<(), CartError> {
        self.apply(op, catalog)?;
        self.recheck(catalog, warnings);
        Ok(())
    }

    /// Apply one operation, without checking. On error the cart is unchanged.
    pub fn apply(&mut self, op: &CartOp, catalog: &Catalog<'_>) -> Result<(), CartError> {
        match op {
            CartOp::Add {
                line,
                quantity,
                seen_price,
            } => self.add(line, *quantity, *seen_price, catalog),
            CartOp::SetQuantity { line, quantity } => {
                let quantity = valid_quantity(line, *quantity)?;
                self.line_mut(line)?.quantity = quantity;
                Ok(())
            }
            CartOp::Remove { line } => {
                self.lines.retain(|l| &l.key != line);
                self.invalid_lines.retain(|l| &l.key != line);
                Ok(())
            }
            CartOp::Select { line } => self.select(line, true),
            CartOp::Unselect { line } => self.select(line, false),
            CartOp::SelectAll => self.select_all(true),
            CartOp::UnselectAll => self.select_all(false),
            CartOp::ClearInvalid => {
                *self = check(self.clone(), catalog).cart;
                self.invalid_lines.clear();
                Ok(())
            }
            CartOp::MergeGuest { lines } => self.merge(lines),
        }
    }

    fn add(
        &mut self,
        key: &LineKey,
        quantity: i64,
        seen_price: Option<Money>,
        catalog: &Catalog<'_>,
    ) -> Result<(), CartError> {
        let quantity = valid_quantity(key, quantity)?;
        let sku = catalog
            .sku(&key.sku_id)
            .ok_or_else(|| CartError::UnknownSku {
                sku_id: key.sku_id.clone(),
            })?;
        if !sku.is_listed() {
            return Err(CartError::SkuUnavailable {
                sku_id: key.sku_id.clone(),
            });
        }
        let len = self.len();
        match self.line_mut(key) {
            Ok(line) => {
                line.quantity = added(key, line.quantity, quantity)?;
                line.selected = true;
                line.seen_price = seen_price.or(line.seen_price);
            }
            Err(_) if len >= MAX_LINES => return Err(CartError::CartFull { lines: len }),
            Err(_) => self.lines.push(CartLine {
                key: key.clone(),
                quantity,
                selected: true,
                seen_price: Some(seen_price.unwrap_or(sku.sku.list_price)),
            }),
        }
        Ok(())
    }

    fn select(&mut self, key: &LineKey, selected: bool) -> Result<(), CartError> {
        self.line_mut(key)?.selected = selected;
        Ok(())
    }

    fn select_all(&mut self, selected: bool) -> Result<(), CartError> {
        self.all_lines_mut().for_each(|l| l.selected = selected);
        Ok(())
    }

    /// Guest-cart merge (login): the same line's quantities add (capped at
    /// [`MAX_LINE_QUANTITY`]; [`check`] then clamps to stock and limits), the
    /// guest's seen price wins, a line selected on either side stays selected,
    /// new lines are appended in the guest's order. Nothing is dropped.
    pub fn merge(&mut self, guest: &[CartLine]) -> Result<(), CartError> {
        for line in guest {
            valid_quantity(&line.key, line.quantity)?;
        }
        for guest_line in guest {
            match self.line_mut(&guest_line.key) {
                Ok(line) => {
                    line.quantity = line
                        .quantity
                        .saturating_add(guest_line.quantity)
                        .min(MAX_LINE_QUANTITY);
                    line.selected |= guest_line.selected;
                    line.seen_price = guest_line.seen_price.or(line.seen_price);
                }
                Err(_) => self.lines.push(guest_line.clone()),
            }
        }
        Ok(())
    }

    /// The quote of the selected valid lines at catalog prices (call on a
    /// checked cart; see [`CartTotals`] for what it leaves out).
    pub fn quote(&self, catalog: &CatalogSnapshot) -> Result<Quote, CartError> {
        let lines = self
            .lines
            .iter()
            .filter(|l| l.selected)
            .map(|l| LineRequest {
                sku_id: l.key.sku_id.clone(),
                quantity: l.quantity,
            })
            .collect();
        // Coupons, member tier, points...: a plain cart leaves them at their defaults.
        let request = QuoteRequest {
            catalog: catalog.clone(),
            lines,
            ..Default::default()
        };
        Ok(pricing::quote(&request)?)
    }
}

/// What a page shows: the checked cart, the warnings raised on the way and
/// the totals of its selected valid lines. (For the full breakdown with
/// coupons and points, call the `quote` operation on the same lines.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartView {
    pub cart: Cart,
    pub warnings: Vec<Warning>,
    pub totals: CartTotals,
}

/// The checkout bar (结算栏) at catalog prices: units selected, their
/// subtotal and payable as the pricing engine quotes the bare lines — no
/// activity, promotion, coupon, member price or shipping, because the cart
/// holds none of those rules. A page that shows what the shopper will pay
/// calls the `quote` operation with the storefront's rules on the same lines
/// (the mini-program's cart page does: `mp-shell/miniprogram/lib/cart.js`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartTotals {
    pub quantity: i64,
    pub subtotal: Money,
    pub payable: Money,
}

impl CartTotals {
    /// The totals of a quote of the selected valid lines.
    pub fn of(quote: &Quote) -> CartTotals {
        CartTotals {
            quantity: quote
                .lines
                .iter()
                .fold(0, |sum, l| sum.saturating_add(l.quantity)),
            subtotal: quote.subtotal,
            payable: quote.payable,
        }
    }
}

/// Check `cart`, then [`Cart::step`] through `ops` (all or nothing), then
/// price it. The warnings are every change made on the way, each once.
pub fn apply_ops(
    snapshot: &CatalogSnapshot,
    mut cart: Cart,
    ops: &[CartOp],
) -> Result<CartView, CartError> {
    let catalog = Catalog::new(snapshot)?;
    let mut warnings = Vec::new();
    cart.recheck(&catalog, &mut warnings);
    for op in ops {
        cart.step(op, &catalog, &mut warnings)?;
    }
    let totals = CartTotals::of(&cart.quote(snapshot)?);
    Ok(CartView {
        cart,
        warnings,
        totals,
    })
}

/// Request of the `cart_apply` operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartApplyRequest {
    pub catalog: CatalogSnapshot,
    #[serde(default)]
    pub cart: Cart,
    #[serde(default)]
    pub ops: Vec<CartOp>,
}

/// Request of the `cart_merge` operation: fold `guest` into `cart`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartMergeRequest {
    pub catalog: CatalogSnapshot,
    #[serde(default)]
    pub cart: Cart,
    pub guest: Cart,
}

/// Merge a guest cart into a user's cart, then check and price it.
pub fn merge_carts(request: CartMergeRequest) -> Result<CartView, CartError> {
    let guest: Vec<CartLine> = request.guest.all_lines().cloned().collect();
    apply_ops(
        &request.catalog,
        request.cart,
        &[CartOp::MergeGuest { lines: guest }],
    )
}
