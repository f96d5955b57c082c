//! `INVENTORY`: the stock keepers, one object per keeper (core's
//! [`stock::Keeper`]: `store:<id>` a store's stock, `flash:<id>` a flash
//! sale's stock and per-shopper limit, `shopper:<id>` a shopper's purchase
//! limits, `global` the warehouse stock of orders without a fulfilment),
//! each with the holds and payment timers of its part of every order.
//!
//! Storage: `c:<counter>` the counters of core's [`stock`] rule;
//! `r:<order id>` a reservation, the hash of the checkout request it is for,
//! and its state (`held`, `sold`, `released`); `d:<expires_at, 12
//! digits>:<order id>` the payment timers, in due order; `a:<at, 12
//! digits>:<order id>` the completion timers (a delivered or shipped order
//! completes by itself; kept by its store's keeper); `l:<seq, 12
//! digits>` the append-only stock ledger of merchants' changes (who, when,
//! why, before, after), `ledger-seq` its last position.
//!
//! Rule: [`Call::Reserve`] takes a reservation once (a retry of the same
//! order id for the same request answers as the first time did; for another
//! request it is `IDEMPOTENCY_KEY_REUSED`; only a released hold is taken
//! again); [`Call::Settle`] gives a held reservation back or keeps it; the
//! alarm times out due orders through the order state machine
//! (`services::orders::time_out`) and gives their stock back, or keeps it
//! when the order turned out paid.
//!
//! Invariants: counters change only through core's `reserve` / `release`,
//! and each reservation changes them at most once each way, so no SKU is
//! ever oversold; the alarm is always set to the earliest payment timer.
//! Checkouts at different stores never wait on the same object; a flash
//! sale's checkouts all meet at its one object (ARCHITECTURE.md, "Known
//! limits").

use super::{call, serve};
use crate::error::{Error, Result};
use crate::live::Live;
use crate::services::{orders, HoldState, StockHolds};
use commerce_core::error::ApiError;
use commerce_core::fulfilment::FulfilmentError;
use commerce_core::lbs::StoreSnapshot;
use commerce_core::orders::stock::{
    self, Keeper, LedgerEntry, Reservation, StockChange, WAREHOUSE,
};
use commerce_core::orders::{live_stock, snapshot_stock, OrderError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use worker::{
    durable_object, js_sys, DurableObject, Env, ListOptions, Request, Response, ScheduledTime,
    State, Storage,
};

/// What the object is asked.
#[derive(Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// Answer: [`HoldState`].
    Reserve {
        reservation: Reservation,
        request_hash: String,
    },
    /// Answer: [`HoldState`] (what the hold is now).
    Settle { order_id: String, to: HoldState },
    /// Answer: the counters' values (`None`: never counted).
    Counters { counters: Vec<String> },
    /// A merchant's change to a units-left counter (`initial`: its value
    /// if never counted). Answer: the [`LedgerEntry`] written.
    Adjust {
        counter: String,
        initial: i64,
        change: StockChange,
        by: String,
        at: i64,
    },
    /// Answer: the newest `limit` ledger entries, newest first.
    Ledger { limit: usize },
    /// Complete `order_id` at `at` unless it moved on first. Answer: `null`.
    CompleteAt { order_id: String, at: i64 },
    /// To `global`: the counters earlier versions kept there for `keeper`
    /// (purchase limits, flash sales). Answer: `{counter: value}`.
    Handover { keeper: String },
}

/// A call and the keeper it is for (an object does not know its own name).
#[derive(Deserialize)]
struct Addressed {
    keeper: String,
    call: Call,
}

/// [`Addressed`], as the caller sends it.
#[derive(Serialize)]
struct AddressedRef<'a> {
    keeper: &'a str,
    call: &'a Call,
}

#[derive(Serialize, Deserialize)]
struct Record {
    reservation: Reservation,
    state: HoldState,
    /// Empty in records written before it was kept.
    #[serde(default)]
    request_hash: String,
}

/// The object of keeper `name` (a record from before keepers: `global`).
async fn ask<A: serde::de::DeserializeOwned>(env: &Env, keeper: &str, request: &Call) -> Result<A> {
    let name = if keeper.is_empty() { WAREHOUSE } else { keeper };
    let addressed = AddressedRef {
        keeper: name,
        call: request,
    };
    call(env, "INVENTORY", name, &addressed).await
}

impl StockHolds for Live {
    async fn reserve(&self, reservation: &Reservation, request_hash: &str) -> Result<HoldState> {
        ask(
            &self.env,
            &reservation.keeper,
            &Call::Reserve {
                reservation: reservation.clone(),
                request_hash: request_hash.to_owned(),
            },
        )
        .await
    }

    async fn settle(&self, keeper: &str, order_id: &str, to: HoldState) -> Result<HoldState> {
        ask(
            &self.env,
            keeper,
            &Call::Settle {
                order_id: order_id.to_owned(),
                to,
            },
        )
        .await
    }

    async fn count(
        &self,
        keeper: &str,
        counters: Vec<String>,
    ) -> Result<BTreeMap<String, Option<i64>>> {
        ask(&self.env, keeper, &Call::Counters { counters }).await
    }

    async fn complete_at(&self, keeper: &str, order_id: &str, at: i64) -> Result<()> {
        let call = Call::CompleteAt {
            order_id: order_id.to_owned(),
            at,
        };
        ask(&self.env, keeper, &call).await
    }
}

/// The last ledger entry's `seq`.
const LEDGER_SEQ: &str = "ledger-seq";
/// Set once a keeper took over its counters from `global`.
const ADOPTED: &str = "legacy-adopted";

/// Change a keeper's units-left counter, written to its ledger.
pub async fn adjust(env: &Env, keeper: &str, call: &Call) -> Result<LedgerEntry> {
    ask(env, keeper, call).await
}

/// A store's snapshot stock; a store not in the snapshot is 404 (a path
/// names it), one without stock 409 `STOCK_NOT_TRACKED`.
pub fn tracked_stock(stores: &StoreSnapshot, store_id: &str) -> Result<BTreeMap<String, i64>> {
    snapshot_stock(stores, store_id).map_err(|e| match e {
        FulfilmentError::UnknownStore { .. } => Error::not_found(format!("no store {store_id}")),
        other => ApiError::from(other).into(),
    })
}

/// A store's live units of every SKU its snapshot tracks (a count never
/// touched is the snapshot's).
pub async fn store_units(
    live: &Live,
    stores: &StoreSnapshot,
    store_id: &str,
) -> Result<BTreeMap<String, i64>> {
    let snapshot = tracked_stock(stores, store_id)?;
    let keeper = Keeper::Store(store_id.to_owned()).name();
    let counters = snapshot
        .keys()
        .map(|sku| stock::stock_counter(sku))
        .collect();
    let counted = BTreeMap::from([(store_id.to_owned(), live.count(&keeper, counters).await?)]);
    Ok(live_stock(stores, &counted)
        .remove(store_id)
        .unwrap_or_default())
}

/// A keeper's newest ledger entries.
pub async fn ledger(env: &Env, keeper: &str, limit: usize) -> Result<Vec<LedgerEntry>> {
    ask(env, keeper, &Call::Ledger { limit }).await
}

fn due_key(expires_at: i64, order_id: &str) -> String {
    format!("{PAYMENT_DUE}{:012}:{order_id}", expires_at.max(0))
}

/// Payment timers' and completion timers' key prefixes.
const PAYMENT_DUE: &str = "d:";
const COMPLETE_DUE: &str = "a:";

#[durable_object]
pub struct InventoryObject {
    state: State,
    env: Env,
}

impl InventoryObject {
    fn storage(&self) -> Storage {
        self.state.storage()
    }

    async fn record(&self, order_id: &str) -> Result<Option<Record>> {
        let text = self
            .storage()
            .get::<String>(&format!("r:{order_id}"))
            .await?;
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| Error::Runtime(format!("hold {order_id}: {e}")))
        })
        .transpose()
    }

    async fn put_record(&self, record: &Record) -> Result<()> {
        let key = format!("r:{}", record.reservation.order_id);
        self.storage()
            .put(&key, crate::http::encode(record)?)
            .await?;
        Ok(())
    }

    async fn counters_of(&self, reservation: &Reservation) -> Result<BTreeMap<String, i64>> {
        let mut counters = BTreeMap::new();
        for hold in &reservation.holds {
            if let Some(value) = self
                .storage()
                .get::<i64>(&format!("c:{}", hold.counter))
                .await?
            {
                counters.insert(hold.counter.clone(), value);
            }
        }
        Ok(counters)
    }

    async fn write_counters(&self, counters: BTreeMap<String, i64>) -> Result<()> {
        for (counter, value) in counters {
            self.storage().put(&format!("c:{counter}"), value).await?;
        }
        Ok(())
    }

    async fn reserve(&self, reservation: Reservation, request_hash: String) -> Result<HoldState> {
        if let Some(record) = self.record(&reservation.order_id).await? {
            if record.state != HoldState::Released {
                if !record.request_hash.is_empty() && record.request_hash != request_hash {
                    return Err(OrderError::IdempotencyKeyReused.into());
                }
                return Ok(record.state);
            }
        }
        let counters = self.counters_of(&reservation).await?;
        let next = stock::reserve(&counters, &reservation)
            .map_err(commerce_core::error::ApiError::from)?;
        self.write_counters(next).await?;
        let due = due_key(reservation.expires_at, &reservation.order_id);
        let expires_at = reservation.expires_at;
        self.put_record(&Record {
            reservation,
            state: HoldState::Held,
            request_hash,
        })
        .await?;
        self.storage().put(&due, "").await?;
        self.alarm_by(expires_at).await?;
        Ok(HoldState::Held)
    }

    /// Give a held reservation back (`Released`) or keep it (`Sold`).
    async fn settle(&self, order_id: &str, to: HoldState) -> Result<HoldState> {
        let Some(record) = self.record(order_id).await? else {
            return Ok(HoldState::Released);
        };
        if record.state != HoldState::Held || to == HoldState::Held {
            return Ok(record.state);
        }
        if to == HoldState::Released {
            let counters = self.counters_of(&record.reservation).await?;
            self.write_counters(stock::release(&counters, &record.reservation))
                .await?;
        }
        let due = due_key(record.reservation.expires_at, order_id);
        self.put_record(&Record {
            state: to,
            ..record
        })
        .await?;
        self.storage().delete(&due).await?;
        Ok(to)
    }

    async fn counters(&self, names: Vec<String>) -> Result<BTreeMap<String, Option<i64>>> {
        let mut values = BTreeMap::new();
        for name in names {
            let value = self.storage().get::<i64>(&format!("c:{name}")).await?;
            values.insert(name, value);
        }
        Ok(values)
    }

    /// Before a keeper's first call is handled: take over the counters
    /// earlier versions kept for it in `global`, where this keeper has none
    /// yet. Concurrent first calls all wait for it and write the same
    /// values; no call is handled before it.
    async fn adopt_legacy(&self, keeper: &str) -> Result<()> {
        let Some(kept) = Keeper::parse(keeper) else {
            return Ok(());
        };
        if kept.legacy_prefixes().is_empty() || self.storage().get::<bool>(ADOPTED).await?.is_some()
        {
            return Ok(());
        }
        let counters: BTreeMap<String, i64> = ask(
            &self.env,
            WAREHOUSE,
            &Call::Handover {
                keeper: keeper.to_owned(),
            },
        )
        .await?;
        for (counter, value) in counters {
            let key = format!("c:{counter}");
            if self.storage().get::<i64>(&key).await?.is_none() {
                self.storage().put(&key, value).await?;
            }
        }
        self.storage().put(ADOPTED, true).await?;
        Ok(())
    }

    /// In `global`: the counters kept here for `keeper` by earlier versions.
    async fn handover(&self, keeper: &str) -> Result<BTreeMap<String, i64>> {
        let Some(kept) = Keeper::parse(keeper) else {
            return Ok(BTreeMap::new());
        };
        let mut found = BTreeMap::new();
        for prefix in kept.legacy_prefixes() {
            let listed = self
                .storage()
                .list_with_options(ListOptions::new().prefix(&format!("c:{prefix}")))
                .await?;
            for entry in listed.entries() {
                let pair = entry.map_err(|_| Error::runtime("listing legacy counters"))?;
                let pair: js_sys::Array = pair.into();
                let key = pair.get(0).as_string().unwrap_or_default();
                let Some(value) = pair.get(1).as_f64() else {
                    continue;
                };
                let counter = key.strip_prefix("c:").unwrap_or(&key);
                if Keeper::of_counter(counter, None) == kept {
                    found.insert(counter.to_owned(), value as i64);
                }
            }
        }
        Ok(found)
    }

    async fn adjust(
        &self,
        counter: String,
        initial: i64,
        change: StockChange,
        by: String,
        at: i64,
    ) -> Result<LedgerEntry> {
        let key = format!("c:{counter}");
        let before = self.storage().get::<i64>(&key).await?.unwrap_or(initial);
        let after = stock::adjust(before, &change).map_err(commerce_core::error::ApiError::from)?;
        let seq = self.storage().get::<u64>(LEDGER_SEQ).await?.unwrap_or(0) + 1;
        let entry = LedgerEntry {
            seq,
            at,
            by,
            sku_id: change.sku_id,
            reason: change.reason,
            before,
            after,
        };
        self.storage().put(&key, after).await?;
        self.storage()
            .put(&format!("l:{seq:012}"), crate::http::encode(&entry)?)
            .await?;
        self.storage().put(LEDGER_SEQ, seq).await?;
        Ok(entry)
    }

    async fn ledger(&self, limit: usize) -> Result<Vec<LedgerEntry>> {
        let listed = self
            .storage()
            .list_with_options(ListOptions::new().prefix("l:").reverse(true).limit(limit))
            .await?;
        let mut entries = Vec::new();
        for value in listed.values() {
            let text = value
                .map_err(|_| Error::runtime("listing the stock ledger"))?
                .as_string()
                .unwrap_or_default();
            entries.push(
                serde_json::from_str(&text)
                    .map_err(|e| Error::Runtime(format!("ledger entry: {e}")))?,
            );
        }
        Ok(entries)
    }

    /// Set a completion timer (and the alarm, if it is the earliest).
    async fn complete_at(&self, order_id: &str, at: i64) -> Result<()> {
        let key = format!("{COMPLETE_DUE}{:012}:{order_id}", at.max(0));
        self.storage().put(&key, "").await?;
        self.alarm_by(at).await
    }

    /// Make sure the alarm rings by `at`.
    async fn alarm_by(&self, at: i64) -> Result<()> {
        let at_ms = at.saturating_mul(1000) as f64;
        let alarm = self.storage().get_alarm().await?;
        if alarm.is_none_or(|set| set as f64 > at_ms) {
            self.storage()
                .set_alarm(ScheduledTime::new(js_sys::Date::new(&at_ms.into())))
                .await?;
        }
        Ok(())
    }

    async fn due(&self, prefix: &str, limit: usize) -> Result<Vec<(i64, String)>> {
        let listed = self
            .storage()
            .list_with_options(ListOptions::new().prefix(prefix).limit(limit))
            .await?;
        let mut due = Vec::new();
        for key in listed.keys() {
            let key = key
                .map_err(|_| Error::runtime("listing payment timers"))?
                .as_string()
                .unwrap_or_default();
            let mut parts = key.splitn(3, ':').skip(1);
            if let (Some(at), Some(order_id)) = (parts.next(), parts.next()) {
                due.push((at.parse().unwrap_or(0), order_id.to_owned()));
            }
        }
        Ok(due)
    }

    async fn time_out_due(&self) -> Result<()> {
        let now = crate::http::now_s();
        let live = Live::open(&self.env).await?;
        for (at, order_id) in self.due(PAYMENT_DUE, 64).await? {
            if at > now {
                break;
            }
            match orders::time_out(&live, &order_id, now).await {
                Ok(Some(to)) => {
                    self.settle(&order_id, to).await?;
                }
                Ok(None) => {}
                Err(e) => crate::logs::error!("timing out order {order_id}: {}", e.describe()),
            }
        }
        for (at, order_id) in self.due(COMPLETE_DUE, 64).await? {
            if at > now {
                break;
            }
            match orders::complete_due(&live, &order_id, now).await {
                Ok(()) => {
                    let key = format!("{COMPLETE_DUE}{at:012}:{order_id}");
                    self.storage().delete(&key).await?;
                }
                Err(e) => crate::logs::error!("completing order {order_id}: {}", e.describe()),
            }
        }
        let next = [PAYMENT_DUE, COMPLETE_DUE]
            .into_iter()
            .map(|prefix| self.due(prefix, 1));
        let mut earliest: Option<i64> = None;
        for pending in next {
            if let Some((at, _)) = pending.await?.first() {
                earliest = Some(earliest.map_or(*at, |e| e.min(*at)));
            }
        }
        if let Some(at) = earliest {
            let next_ms = (at.max(now + 1) * 1000) as f64;
            self.storage()
                .set_alarm(ScheduledTime::new(js_sys::Date::new(&next_ms.into())))
                .await?;
        }
        Ok(())
    }
}

impl DurableObject for InventoryObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        serve(req, |Addressed { keeper, call }: Addressed| async move {
            self.adopt_legacy(&keeper).await?;
            match call {
                Call::Reserve {
                    reservation,
                    request_hash,
                } => serde_json::to_value(self.reserve(reservation, request_hash).await?),
                Call::Settle { order_id, to } => {
                    serde_json::to_value(self.settle(&order_id, to).await?)
                }
                Call::Counters { counters } => serde_json::to_value(self.counters(counters).await?),
                Call::Adjust {
                    counter,
                    initial,
                    change,
                    by,
                    at,
                } => serde_json::to_value(self.adjust(counter, initial, change, by, at).await?),
                Call::Ledger { limit } => serde_json::to_value(self.ledger(limit.min(500)).await?),
                Call::Handover { keeper } => serde_json::to_value(self.handover(&keeper).await?),
                Call::CompleteAt { order_id, at } => {
                    serde_json::to_value(self.complete_at(&order_id, at).await?)
                }
            }
            .map_err(Error::runtime)
        })
        .await
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.time_out_due()
            .await
            .map_err(|e| worker::Error::RustError(e.describe()))?;
        Response::ok("")
    }
}
