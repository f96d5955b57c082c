//! In-memory storage for the services' native tests: every trait of
//! [`super`] on one [`Memory`], with the same contract as the real bindings
//! (the guarded checkout write and the compare-and-set of `db.rs`, the hold
//! rule of `objects/inventory.rs` through core's `stock`).
//!
//! Each call first yields once ([`Memory::yield_now`]), so two services run
//! with [`run_together`] interleave at every storage call - the shapes
//! concurrent requests take in the worker.

use super::{
    Crypto, HoldState, KeyUse, NewOrder, OrderStore, Payments, PayoutAnswer, PayoutRequest,
    RateLimits, Shopper, Snapshots, StockHolds, Written,
};
use crate::error::{Error, Result};
use crate::protect::Limit;
use commerce_core::edge_api::{RefundPayout, UnmatchedPayment};
use commerce_core::lbs::StoreSnapshot;
use commerce_core::orders::{stock, Order, OrderError, Reservation, Storefront, Transition};
use commerce_core::pricing::Customer;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

/// A hold as the stock keeper keeps it.
#[derive(Clone)]
pub struct Hold {
    pub reservation: Reservation,
    pub state: HoldState,
    pub request_hash: String,
}

/// Everything the services can store.
#[derive(Default)]
pub struct State {
    pub storefront: Storefront,
    pub points: BTreeMap<String, i64>,
    pub wallets: BTreeMap<String, Vec<String>>,
    pub redeemed: BTreeSet<(String, String)>,
    pub orders: BTreeMap<String, Order>,
    pub keys: BTreeMap<(String, String), KeyUse>,
    /// Per keeper, its counters.
    pub counters: BTreeMap<String, BTreeMap<String, i64>>,
    /// Per (keeper, order id), its hold.
    pub holds: BTreeMap<(String, String), Hold>,
    pub stores: Option<StoreSnapshot>,
    /// Completion timers: (keeper, order id) -> when.
    pub timers: BTreeMap<(String, String), i64>,
    pub unmatched: Vec<UnmatchedPayment>,
    pub payouts: BTreeMap<(String, String), RefundPayout>,
    /// The payment provider refuses payouts while set.
    pub provider_down: bool,
    pub payouts_asked: Vec<PayoutRequest>,
}

/// One shop's storage.
#[derive(Default)]
pub struct Memory {
    pub state: RefCell<State>,
    ids: Cell<u64>,
}

/// The seeded storefront of `make dev`.
pub fn seed_storefront() -> Storefront {
    serde_json::from_str(include_str!("../../seed/storefront.json")).expect("seed storefront")
}

impl Memory {
    pub fn with_storefront(storefront: Storefront) -> Memory {
        let memory = Memory::default();
        memory.state.borrow_mut().storefront = storefront;
        memory
    }

    /// Returns `Pending` once: lets other futures of [`run_together`] run.
    pub fn yield_now(&self) -> impl Future<Output = ()> {
        let mut yielded = false;
        std::future::poll_fn(move |_| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                Poll::Pending
            }
        })
    }
}

/// Poll `futures` round-robin until all are done (each poll runs one step
/// between storage calls): a deterministic interleaving.
pub fn run_together<T>(futures: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut futures: Vec<_> = futures.into_iter().map(Some).collect();
    let mut out: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    let mut cx = Context::from_waker(Waker::noop());
    while out.iter().any(Option::is_none) {
        for (slot, result) in futures.iter_mut().zip(out.iter_mut()) {
            if let Some(future) = slot {
                if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
                    *result = Some(value);
                    *slot = None;
                }
            }
        }
    }
    out.into_iter().flatten().collect()
}

/// Run one future to its end.
pub fn block_on<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

impl OrderStore for Memory {
    async fn key_use(&self, user_id: &str, key: &str) -> Result<Option<KeyUse>> {
        self.yield_now().await;
        Ok(self
            .state
            .borrow()
            .keys
            .get(&(user_id.into(), key.into()))
            .cloned())
    }

    async fn shopper(&self, user_id: &str) -> Result<Shopper> {
        self.yield_now().await;
        let state = self.state.borrow();
        let coupon_ids = state
            .wallets
            .get(user_id)
            .into_iter()
            .flatten()
            .filter(|c| !state.redeemed.contains(&(user_id.to_owned(), (*c).clone())))
            .cloned()
            .collect();
        let paid = state
            .orders
            .values()
            .filter(|o| o.user_id == user_id && o.payment.is_some())
            .count();
        Ok(Shopper {
            coupon_ids,
            customer: Customer::from_record(
                None,
                state.points.get(user_id).copied().unwrap_or(0),
                paid as i64,
            ),
        })
    }

    async fn create_order(&self, new: &NewOrder<'_>) -> Result<Written> {
        self.yield_now().await;
        let mut state = self.state.borrow_mut();
        let order = &new.decision.order;
        let user = order.user_id.clone();
        if state.orders.contains_key(&order.id)
            || state.keys.contains_key(&(user.clone(), new.key.into()))
        {
            return Ok(Written::Exists);
        }
        if new
            .decision
            .redeem_coupons
            .iter()
            .any(|c| state.redeemed.contains(&(user.clone(), c.clone())))
        {
            return Ok(Written::CouponAlreadyUsed);
        }
        let points = state.points.get(&user).copied().unwrap_or(0);
        if new.decision.redeem_points > points {
            return Ok(Written::NotEnoughPoints);
        }
        state
            .points
            .insert(user.clone(), points - new.decision.redeem_points);
        for coupon in &new.decision.redeem_coupons {
            state.redeemed.insert((user.clone(), coupon.clone()));
        }
        state.keys.insert(
            (user, new.key.into()),
            KeyUse {
                request_hash: new.request_hash.into(),
                order_id: order.id.clone(),
            },
        );
        state.orders.insert(order.id.clone(), order.clone());
        Ok(Written::Stored)
    }

    async fn order(&self, order_id: &str) -> Result<Option<Order>> {
        self.yield_now().await;
        Ok(self.state.borrow().orders.get(order_id).cloned())
    }

    async fn save_transition(
        &self,
        before_version: u64,
        transition: &Transition,
        _op_id: &str,
    ) -> Result<bool> {
        self.yield_now().await;
        let mut state = self.state.borrow_mut();
        let order = &transition.order;
        if state.orders.get(&order.id).map(|o| o.version) != Some(before_version) {
            return Ok(false);
        }
        let user = order.user_id.clone();
        for coupon in &transition.effects.return_coupons {
            state.redeemed.remove(&(user.clone(), coupon.clone()));
        }
        *state.points.entry(user).or_default() += transition.effects.return_points;
        state.orders.insert(order.id.clone(), order.clone());
        Ok(true)
    }

    async fn record_unmatched(&self, payment: &UnmatchedPayment) -> Result<()> {
        self.yield_now().await;
        let mut state = self.state.borrow_mut();
        if !state
            .unmatched
            .iter()
            .any(|p| p.transaction_id == payment.transaction_id)
        {
            state.unmatched.push(payment.clone());
        }
        Ok(())
    }

    async fn record_payout(&self, payout: &RefundPayout) -> Result<()> {
        self.yield_now().await;
        self.state.borrow_mut().payouts.insert(
            (payout.order_id.clone(), payout.refund_id.clone()),
            payout.clone(),
        );
        Ok(())
    }
}

impl StockHolds for Memory {
    async fn reserve(&self, reservation: &Reservation, request_hash: &str) -> Result<HoldState> {
        self.yield_now().await;
        let mut state = self.state.borrow_mut();
        let at = (reservation.keeper.clone(), reservation.order_id.clone());
        if let Some(hold) = state.holds.get(&at) {
            if hold.state != HoldState::Released {
                if hold.request_hash != request_hash {
                    return Err(OrderError::IdempotencyKeyReused.into());
                }
                return Ok(hold.state);
            }
        }
        let counters = state.counters.entry(at.0.clone()).or_default();
        let next =
            stock::reserve(counters, reservation).map_err(commerce_core::error::ApiError::from)?;
        counters.extend(next);
        state.holds.insert(
            at,
            Hold {
                reservation: reservation.clone(),
                state: HoldState::Held,
                request_hash: request_hash.into(),
            },
        );
        Ok(HoldState::Held)
    }

    async fn settle(&self, keeper: &str, order_id: &str, to: HoldState) -> Result<HoldState> {
        self.yield_now().await;
        let mut state = self.state.borrow_mut();
        let at = (keeper.to_owned(), order_id.to_owned());
        let Some(hold) = state.holds.get(&at).cloned() else {
            return Ok(HoldState::Released);
        };
        if hold.state != HoldState::Held || to == HoldState::Held {
            return Ok(hold.state);
        }
        if to == HoldState::Released {
            let counters = state.counters.entry(at.0.clone()).or_default();
            let next = stock::release(counters, &hold.reservation);
            counters.extend(next);
        }
        state.holds.insert(at, Hold { state: to, ..hold });
        Ok(to)
    }

    async fn complete_at(&self, keeper: &str, order_id: &str, at: i64) -> Result<()> {
        self.yield_now().await;
        self.state
            .borrow_mut()
            .timers
            .insert((keeper.to_owned(), order_id.to_owned()), at);
        Ok(())
    }

    async fn count(
        &self,
        keeper: &str,
        counters: Vec<String>,
    ) -> Result<BTreeMap<String, Option<i64>>> {
        self.yield_now().await;
        let state = self.state.borrow();
        let kept = state.counters.get(keeper);
        Ok(counters
            .into_iter()
            .map(|c| {
                let value = kept.and_then(|k| k.get(&c).copied());
                (c, value)
            })
            .collect())
    }
}

impl Memory {
    /// Fire the completion timers due at `now` (the keepers' alarms).
    pub async fn fire_timers(&self, now: i64) -> Result<()> {
        let due: Vec<(String, String)> = self
            .state
            .borrow()
            .timers
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            super::orders::complete_due(self, &key.1, now).await?;
            self.state.borrow_mut().timers.remove(&key);
        }
        Ok(())
    }
}

impl RateLimits for Memory {
    async fn take(&self, _limit: &Limit, _who: &str) -> Result<()> {
        self.yield_now().await;
        Ok(())
    }
}

impl Snapshots for Memory {
    async fn storefront(&self) -> Result<Storefront> {
        self.yield_now().await;
        Ok(self.state.borrow().storefront.clone())
    }

    async fn stores(&self) -> Result<StoreSnapshot> {
        self.yield_now().await;
        self.state
            .borrow()
            .stores
            .clone()
            .ok_or_else(|| Error::status(503, "STORES_UNAVAILABLE", "no stores published"))
    }
}

impl Crypto for Memory {
    async fn sha256(&self, data: &[u8]) -> Result<Vec<u8>> {
        // Not SHA-256: a deterministic 32-byte digest is all the services need.
        let mut out = Vec::with_capacity(32);
        for round in 0u8..4 {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            (round, data).hash(&mut hasher);
            out.extend_from_slice(&hasher.finish().to_be_bytes());
        }
        Ok(out)
    }

    fn random_hex(&self, bytes: usize) -> Result<String> {
        self.ids.set(self.ids.get() + 1);
        Ok(format!("{:0width$x}", self.ids.get(), width = bytes * 2))
    }
}

impl Payments for Memory {
    async fn refund(&self, request: &PayoutRequest) -> Result<PayoutAnswer> {
        self.yield_now().await;
        let mut state = self.state.borrow_mut();
        if state.provider_down {
            return Err(Error::status(
                502,
                "REFUND_PAYOUT_FAILED",
                "the payment provider did not answer",
            ));
        }
        state.payouts_asked.push(request.clone());
        Ok(PayoutAnswer {
            refund_id: format!("wx-{}", request.out_refund_no),
            status: "PROCESSING".into(),
        })
    }
}
