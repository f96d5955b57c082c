//! The shopper's device: cart, pending mutations and offline cache, kept in
//! the device's string storage so that a mini-program killed and reopened
//! (offline) finds its cart and its catalog again.
//!
//! **Rule.** A [`Client`] sits on one [`Storage`] through two [`Cache`]s
//! under different prefixes: `state` holds the [`ClientState`] (one entry that
//! never expires), `cache` holds the catalog and store snapshots (fresh /
//! stale / expired, with etag). Two caches, so that evicting snapshots to
//! make room can never evict the cart. Every change of the client state is
//! written before it is adopted: a cart operation whose state cannot be
//! persisted (quota) fails with the storage's error and changes nothing, so
//! what the shopper sees is always what a restart will show. The cart is
//! checked against the cached catalog (even an expired one: offline it is the
//! best there is; the server re-checks every mutation against its own).
//!
//! ```
//! use commerce_core::cache::{MemoryStorage, Meta};
//! use commerce_core::cart::{CartOp, LineKey};
//! use commerce_core::client::{Client, ClientConfig};
//! let catalog = serde_json::from_str(r#"{"products":[{"id":"p","name":"Tea",
//!   "shop_id":"s","category_id":"c","skus":[{"id":"tea","list_price":1800,"stock":9}]}]}"#).unwrap();
//! let now = 1_763_800_000_000;
//! let storage = std::rc::Rc::new(std::cell::RefCell::new(MemoryStorage::new()));
//! let (mut client, _) = Client::open(storage.clone(), "k7f3q9", ClientConfig::default(), now).unwrap();
//! client.put_catalog(catalog, Meta::new(now, 60_000, 86_400_000, None)).unwrap();
//! let add = CartOp::Add { line: LineKey::sku("tea"), quantity: 2, seen_price: None };
//! client.mutate(&add).unwrap();
//! drop(client); // the mini-program is killed
//! let (client, _) = Client::open(storage, "other", ClientConfig::default(), now + 1).unwrap();
//! assert_eq!(client.view().unwrap().totals.payable.as_fen(), 3600);
//! assert_eq!(client.state().client_id, "k7f3q9"); // the stored id wins
//! assert_eq!(client.push().mutations.len(), 1);
//! ```
//!
//! Invariants:
//! - the persisted client state equals the one in memory after every
//!   successful call, and a failed call leaves both as they were;
//! - an answer is taken only if it concerns this client's cart (it has
//!   consumed one of its mutations, or the client has issued none), so a
//!   guest push answered after login cannot replace the user's cart;
//! - `state().cart` is `server_cart` with `pending` replayed on the current
//!   catalog ([`ClientState::replay`]): after an operation, a sync answer, a
//!   new catalog and on opening;
//! - the two prefixes never overlap (each cache removes unknown keys under
//!   its own prefix when opened); their budgets add up to what the client
//!   may use of the platform's storage (default 6 MiB + 1 MiB of WeChat's
//!   10 MB);
//! - no I/O but the [`Storage`]; no clock: time is an argument.

use crate::cache::{Cache, CacheConfig, CacheError, Dropped, Lookup, Meta, Storage};
use crate::cart::{Cart, CartError, CartOp, CartTotals, CartView, Warning};
use crate::catalog::{Catalog, CatalogError, CatalogSnapshot};
use crate::error::Coded;
use crate::pricing::Quote;
use crate::sync::{client_rebase, ClientState, PushRequest, PushResponse};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Key of the client state in the `state` cache.
pub const STATE_KEY: &str = "client";
/// Key of the catalog snapshot in the `cache`.
pub const CATALOG_KEY: &str = "catalog";
/// Key of the store snapshot in the `cache`.
pub const STORES_KEY: &str = "stores";

/// Where the client keeps its data. Fields left out take their default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientConfig {
    /// Snapshots: `cache:` prefix, 6 MiB ([`CacheConfig::default`]).
    pub cache: CacheConfig,
    /// The client state: `cart:` prefix, 1 MiB.
    pub state: CacheConfig,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            cache: CacheConfig::default(),
            state: CacheConfig {
                prefix: "cart:".to_owned(),
                budget_bytes: 1024 * 1024,
                ..CacheConfig::default()
            },
        }
    }
}

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// The cart needs a catalog and none is cached yet.
    NoCatalog,
    /// One cache prefix is a prefix of the other (or empty).
    OverlappingPrefixes {
        cache: String,
        state: String,
    },
    Cart(CartError),
    Catalog(CatalogError),
    Cache(CacheError),
}

impl From<CartError> for ClientError {
    fn from(e: CartError) -> Self {
        ClientError::Cart(e)
    }
}

impl From<CatalogError> for ClientError {
    fn from(e: CatalogError) -> Self {
        ClientError::Catalog(e)
    }
}

impl From<CacheError> for ClientError {
    fn from(e: CacheError) -> Self {
        ClientError::Cache(e)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NoCatalog => {
                f.write_str("no catalog is cached yet: put one before using the cart")
            }
            ClientError::OverlappingPrefixes { cache, state } => write!(
                f,
                "cache prefix {cache:?} and state prefix {state:?} overlap; they must be \
                 non-empty and neither may start with the other"
            ),
            ClientError::Cart(e) => e.fmt(f),
            ClientError::Catalog(e) => e.fmt(f),
            ClientError::Cache(e) => e.fmt(f),
        }
    }
}

impl Coded for ClientError {
    fn code(&self) -> &'static str {
        match self {
            ClientError::NoCatalog => "NO_CATALOG",
            ClientError::OverlappingPrefixes { .. } => "OVERLAPPING_PREFIXES",
            ClientError::Cart(e) => e.code(),
            ClientError::Catalog(e) => e.code(),
            ClientError::Cache(e) => e.code(),
        }
    }
}

/// The client state never expires; its freshness is not used.
fn state_meta() -> Meta {
    Meta {
        created_at: 0,
        fresh_until: i64::MAX,
        expires_at: i64::MAX,
        etag: None,
    }
}

/// The cart as a page shows it: checked cart, warnings, totals.
fn view_of(
    snapshot: &CatalogSnapshot,
    cart: Cart,
    warnings: Vec<Warning>,
) -> Result<CartView, ClientError> {
    let totals = CartTotals::of(&cart.quote(snapshot)?);
    Ok(CartView {
        cart,
        warnings,
        totals,
    })
}

/// A cart client persisted in a [`Storage`]. `S` is a handle: clones of it
/// must reach the same store (a JS object, `localStorage`, an `Rc<RefCell<_>>`).
#[derive(Debug)]
pub struct Client<S> {
    state: ClientState,
    states: Cache<S>,
    cache: Cache<S>,
    /// The cached catalog, decoded once.
    catalog: Option<CatalogSnapshot>,
}

impl<S: Storage + Clone> Client<S> {
    /// Open the client kept in `storage`. The stored state wins; `client_id`
    /// (fresh and random, chosen by the shell) names a new state when none is
    /// stored or the stored one was dropped as corrupt. Returns the entries
    /// dropped on the way (see [`Cache::open`], [`Cache::get`]).
    pub fn open(
        storage: S,
        client_id: &str,
        config: ClientConfig,
        now: i64,
    ) -> Result<(Self, Vec<Dropped>), ClientError> {
        let (cache_prefix, state_prefix) = (&config.cache.prefix, &config.state.prefix);
        if cache_prefix.is_empty()
            || state_prefix.is_empty()
            || cache_prefix.starts_with(state_prefix.as_str())
            || state_prefix.starts_with(cache_prefix.as_str())
        {
            return Err(ClientError::OverlappingPrefixes {
                cache: cache_prefix.clone(),
                state: state_prefix.clone(),
            });
        }
        let (mut states, mut dropped) = Cache::open(storage.clone(), config.state)?;
        let (mut cache, more) = Cache::open(storage, config.cache)?;
        dropped.extend(more);
        let state = found(&mut dropped, STATE_KEY, states.get(STATE_KEY, now)?)
            .unwrap_or_else(|| ClientState::new(client_id));
        let catalog = found(&mut dropped, CATALOG_KEY, cache.get(CATALOG_KEY, now)?);
        let state = match catalog.as_ref().map(Catalog::new) {
            Some(Ok(catalog)) => state.replay(&catalog).0,
            _ => state,
        };
        let client = Client {
            state,
            states,
            cache,
            catalog,
        };
        Ok((client, dropped))
    }

    /// The client state: id, last mutation id, server cart, pending, cart.
    pub fn state(&self) -> &ClientState {
        &self.state
    }

    /// Perform a cart operation: apply and check it against the cached
    /// catalog, keep it pending, persist. An `add` without `seen_price` is
    /// recorded with the cached catalog's price, the one the page showed, so
    /// that the server and later replays can tell the shopper when it changed. Returns the new view, whose
    /// warnings are this operation's checks.
    pub fn mutate(&mut self, op: &CartOp) -> Result<CartView, ClientError> {
        let snapshot = self.catalog.as_ref().ok_or(ClientError::NoCatalog)?;
        let catalog = Catalog::new(snapshot)?;
        let op = with_seen_price(op, &catalog);
        let (next, warnings) = self.state.clone().mutate(&op, &catalog)?;
        let view = view_of(snapshot, next.cart.clone(), warnings)?;
        self.save(next)?;
        Ok(view)
    }

    /// The current cart with its totals; the warnings say why each invalid
    /// line is invalid.
    pub fn view(&self) -> Result<CartView, ClientError> {
        let snapshot = self.catalog.as_ref().ok_or(ClientError::NoCatalog)?;
        let mut cart = self.state.cart.clone();
        let mut warnings = Vec::new();
        cart.recheck(&Catalog::new(snapshot)?, &mut warnings);
        view_of(snapshot, cart, warnings)
    }

    /// The pricing engine's quote of the selected valid lines.
    pub fn quote(&self) -> Result<Quote, ClientError> {
        let snapshot = self.catalog.as_ref().ok_or(ClientError::NoCatalog)?;
        Ok(self.state.cart.quote(snapshot)?)
    }

    /// The push to send (every pending mutation); sending it twice is safe.
    pub fn push(&self) -> PushRequest {
        self.state.push()
    }

    /// Take the server's answer to a push: rebase, persist. The view's
    /// warnings are the server's, then those of the local checks not
    /// already among them.
    ///
    /// An answer from a server cart that has consumed none of this client's
    /// mutations, although the client has issued some, is not about this
    /// client's cart: typically a guest push answered after [`Client::login`]
    /// switched to the user's cart. Taking it would adopt the guest cart's
    /// version and then ignore the user cart's (older-numbered) answers for
    /// good, so it changes nothing and the view is the current one.
    pub fn apply_response(&mut self, response: &PushResponse) -> Result<CartView, ClientError> {
        let ours = response
            .last_mutation_ids
            .contains_key(&self.state.client_id);
        if self.state.last_mutation_id > 0 && !ours {
            return self.view();
        }
        let snapshot = self.catalog.as_ref().ok_or(ClientError::NoCatalog)?;
        let (next, local) = client_rebase(self.state.clone(), response, &Catalog::new(snapshot)?);
        let mut warnings = response.warnings.clone();
        for warning in local {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        let view = view_of(snapshot, next.cart.clone(), warnings)?;
        self.save(next)?;
        Ok(view)
    }

    /// Log in as a new client id: the guest cart becomes one pending
    /// `merge_guest` mutation for the user's server cart (see
    /// [`ClientState::login`]); persist.
    pub fn login(&mut self, client_id: &str) -> Result<(), ClientError> {
        self.save(self.state.clone().login(client_id))
    }

    /// Cache a new catalog snapshot (refused if it is not a valid catalog),
    /// then replay the cart on it. The view's warnings say what the new
    /// catalog changed (prices, stock, delisted lines).
    pub fn put_catalog(
        &mut self,
        snapshot: CatalogSnapshot,
        meta: Meta,
    ) -> Result<CartView, ClientError> {
        let catalog = Catalog::new(&snapshot)?;
        self.cache.put(CATALOG_KEY, &snapshot, meta)?;
        let (state, warnings) = self.state.clone().replay(&catalog);
        let view = view_of(&snapshot, state.cart.clone(), warnings);
        // The stored state need not change: opening replays it on this catalog.
        self.state = state;
        self.catalog = Some(snapshot);
        view
    }

    /// The snapshot cache (catalog under [`CATALOG_KEY`], stores under
    /// [`STORES_KEY`], anything else the shell keeps). Write the catalog with
    /// [`Client::put_catalog`], which keeps the cart in step with it.
    pub fn cache(&mut self) -> &mut Cache<S> {
        &mut self.cache
    }

    /// Write `next`, then adopt it; on failure nothing changes.
    fn save(&mut self, next: ClientState) -> Result<(), ClientError> {
        self.states.put(STATE_KEY, &next, state_meta())?;
        self.state = next;
        Ok(())
    }
}

/// `op`, with an `add`'s missing `seen_price` set to the catalog's price.
fn with_seen_price(op: &CartOp, catalog: &Catalog<'_>) -> CartOp {
    match op {
        CartOp::Add {
            line,
            quantity,
            seen_price: None,
        } => CartOp::Add {
            line: line.clone(),
            quantity: *quantity,
            seen_price: catalog.sku(&line.sku_id).map(|s| s.sku.list_price),
        },
        other => other.clone(),
    }
}

/// The value of a lookup made while opening; a dropped entry is recorded.
fn found<T>(dropped: &mut Vec<Dropped>, key: &str, lookup: Lookup<T>) -> Option<T> {
    match lookup {
        Lookup::Hit(entry) => Some(entry.value),
        Lookup::Miss => None,
        Lookup::Dropped(reason) => {
            dropped.push(Dropped {
                key: key.to_owned(),
                reason,
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{MemoryStorage, StorageError};
    use crate::cart::LineKey;
    use crate::sync::{server_apply, ServerState};
    use std::cell::RefCell;
    use std::rc::Rc;

    type Shared = Rc<RefCell<MemoryStorage>>;
    const NOW: i64 = 1_763_800_000_000;

    fn catalog(stock: i64, price: i64) -> CatalogSnapshot {
        serde_json::from_value(serde_json::json!({"products": [{
            "id": "p", "name": "Tea", "shop_id": "s", "category_id": "c",
            "skus": [{"id": "tea", "list_price": price, "stock": stock},
                     {"id": "bun", "list_price": 350, "stock": 3}]}]}))
        .unwrap()
    }

    fn add(sku: &str, quantity: i64) -> CartOp {
        CartOp::Add {
            line: LineKey::sku(sku),
            quantity,
            seen_price: None,
        }
    }

    fn open(storage: &Shared) -> Client<Shared> {
        Client::open(storage.clone(), "phone", ClientConfig::default(), NOW)
            .unwrap()
            .0
    }

    fn with_catalog(storage: &Shared) -> Client<Shared> {
        let mut client = open(storage);
        client
            .put_catalog(catalog(9, 1800), Meta::new(NOW, 60_000, 60_000, None))
            .unwrap();
        client
    }

    #[test]
    fn a_reopened_client_has_its_cart_pending_and_catalog() {
        let storage = Shared::default();
        let mut client = with_catalog(&storage);
        client.mutate(&add("tea", 2)).unwrap();
        client.mutate(&add("bun", 5)).unwrap();
        let before = client.state().clone();
        drop(client);
        let (client, dropped) =
            Client::open(storage.clone(), "new", ClientConfig::default(), NOW + 1).unwrap();
        assert!(dropped.is_empty());
        assert_eq!(client.state(), &before);
        assert_eq!(client.push().mutations.len(), 2);
        assert_eq!(
            client.view().unwrap().totals.payable.as_fen(),
            2 * 1800 + 3 * 350
        );
    }

    #[test]
    fn a_cart_operation_needs_a_catalog() {
        let mut client = open(&Shared::default());
        assert_eq!(
            client.mutate(&add("tea", 1)).unwrap_err().code(),
            "NO_CATALOG"
        );
        assert_eq!(client.state().pending.len(), 0);
    }

    #[test]
    fn an_operation_that_cannot_be_persisted_changes_nothing() {
        let storage: Shared = Rc::new(RefCell::new(MemoryStorage::with_limits(1 << 20, 1 << 20)));
        let mut client = with_catalog(&storage);
        client.mutate(&add("tea", 1)).unwrap();
        let before = client.state().clone();
        // Fill the storage with someone else's data.
        let used = storage.borrow().bytes();
        let filler = "x".repeat((1 << 20) - used - 10);
        storage.borrow_mut().set("other", &filler).unwrap();
        let err = client.mutate(&add("bun", 1)).unwrap_err();
        assert_eq!(err.code(), "STORAGE_QUOTA_EXCEEDED");
        assert_eq!(client.state(), &before);
        drop(client);
        assert_eq!(open(&storage).state(), &before);
    }

    #[test]
    fn a_new_catalog_replays_the_cart_and_says_what_changed() {
        let storage = Shared::default();
        let mut client = with_catalog(&storage);
        client.mutate(&add("tea", 5)).unwrap();
        let view = client
            .put_catalog(catalog(2, 1900), Meta::new(NOW, 1, 1, None))
            .unwrap();
        let codes: Vec<_> = view.warnings.iter().map(Warning::code).collect();
        assert_eq!(codes, ["NOT_ENOUGH_STOCK", "PRICE_CHANGED"]);
        assert!(matches!(
            client.push().mutations[0].op,
            CartOp::Add {
                seen_price: Some(p),
                ..
            } if p.as_fen() == 1800
        ));
        assert_eq!(view.totals.payable.as_fen(), 2 * 1900);
        // Reopened later, the expired catalog still serves the cart.
        let client = open(&storage);
        assert_eq!(client.view().unwrap().cart.lines[0].quantity, 2);
    }

    #[test]
    fn sync_twice_and_login_end_equal_to_the_server() {
        let storage = Shared::default();
        let snapshot = catalog(9, 1800);
        let server_catalog = Catalog::new(&snapshot).unwrap();
        let mut client = with_catalog(&storage);
        client.mutate(&add("tea", 2)).unwrap();
        let push = client.push();
        let (server, _lost) = server_apply(ServerState::default(), &push, &server_catalog);
        let (server, response) = server_apply(server, &push, &server_catalog);
        client.apply_response(&response).unwrap();
        assert_eq!(client.state().cart, server.cart);
        assert_eq!(client.state().pending.len(), 0);

        client.login("user-device").unwrap();
        let mut client = open(&storage);
        assert_eq!(client.state().client_id, "user-device");
        let (user, response) =
            server_apply(ServerState::default(), &client.push(), &server_catalog);
        client.apply_response(&response).unwrap();
        assert_eq!(client.state().cart, user.cart);
        assert_eq!(user.cart.lines[0].quantity, 2);
    }

    #[test]
    fn a_guest_answer_arriving_after_login_is_ignored() {
        let snapshot = catalog(9, 1800);
        let server_catalog = Catalog::new(&snapshot).unwrap();
        let mut client = with_catalog(&Shared::default());
        client.mutate(&add("tea", 2)).unwrap();
        let guest_push = client.push();
        // The guest cart had a history: its version is ahead of the user's.
        let guest = ServerState {
            version: 7,
            ..ServerState::default()
        };
        let (_, late) = server_apply(guest, &guest_push, &server_catalog);
        client.login("user-device").unwrap();
        let before = client.state().clone();
        client.apply_response(&late).unwrap();
        assert_eq!(client.state(), &before);
        let (user, response) =
            server_apply(ServerState::default(), &client.push(), &server_catalog);
        client.apply_response(&response).unwrap();
        assert_eq!(client.state().cart, user.cart);
        assert!(client.state().pending.is_empty());
    }

    #[test]
    fn overlapping_prefixes_are_refused() {
        let mut config = ClientConfig::default();
        config.state.prefix = "cache:cart:".to_owned();
        let err = Client::open(Shared::default(), "x", config, NOW).unwrap_err();
        assert_eq!(err.code(), "OVERLAPPING_PREFIXES");
    }

    #[test]
    fn storage_failures_are_errors() {
        #[derive(Clone, Debug)]
        struct Broken;
        impl Storage for Broken {
            fn get(&self, _: &str) -> Result<Option<String>, StorageError> {
                Err(StorageError::Failed {
                    message: "disk".into(),
                })
            }
            fn set(&mut self, _: &str, _: &str) -> Result<(), StorageError> {
                self.get("").map(|_| ())
            }
            fn remove(&mut self, _: &str) -> Result<(), StorageError> {
                self.get("").map(|_| ())
            }
            fn keys(&self) -> Result<Vec<String>, StorageError> {
                self.get("").map(|_| Vec::new())
            }
        }
        let err = Client::open(Broken, "x", ClientConfig::default(), NOW).unwrap_err();
        assert_eq!(err.code(), "STORAGE_FAILED");
    }
}
