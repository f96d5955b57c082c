//! `INVENTORY`: stock, flash-sale stock, per-shopper limits and payment
//! timers, in one object (`global`) so that an order's holds across SKUs are
//! taken atomically.
//!
//! Storage: `c:<counter>` the counters of core's [`stock`] rule;
//! `r:<order id>` a reservation and its state (`held`, `sold`, `released`);
//! `d:<expires_at, 12 digits>:<order id>` the payment timers, in due order.
//!
//! Rule: `/reserve` takes a [`Reservation`] once (a retry of the same order
//! id answers as the first time did: idempotent; only a hold released by
//! its timer before any order was stored is taken again), `/release` gives a held
//! reservation back, `/sell` keeps it; the alarm times out due orders
//! through the order state machine (`flow::apply_event`) and gives their
//! stock back, or keeps it when the order turned out paid.
//!
//! Invariants: counters change only through core's `reserve` / `release`,
//! and each reservation changes them at most once each way, so no SKU is
//! ever oversold; the alarm is always set to the earliest payment timer.
//! Sharding by SKU would need a two-phase hold; every checkout's hold goes
//! through this one object, the flash-sale bottleneck by design (ARCHITECTURE.md,
//! "Known limits"; checkout throughput in BENCHMARKS.md).

use super::reply;
use crate::flow;
use commerce_core::error::ApiError;
use commerce_core::orders::stock::{self, Reservation};
use commerce_core::orders::OrderError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use worker::{
    durable_object, js_sys, DurableObject, Env, ListOptions, Request, Response, Result,
    ScheduledTime, State, Storage,
};

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    Held,
    Sold,
    Released,
}

#[derive(Serialize, Deserialize)]
struct Record {
    reservation: Reservation,
    state: HoldState,
    /// The checkout request this hold was taken for (its idempotency hash);
    /// empty in records written before it was kept.
    #[serde(default)]
    request_hash: String,
}

/// `/reserve` body: the reservation and the hash of the checkout request
/// it is for.
#[derive(Serialize, Deserialize)]
pub struct ReserveBody {
    pub reservation: Reservation,
    pub request_hash: String,
}

/// `/release`, `/sell` body.
#[derive(Serialize, Deserialize)]
pub struct OrderRef {
    pub order_id: String,
}

/// `/counters` body and answer.
#[derive(Serialize, Deserialize)]
pub struct Counters {
    pub counters: BTreeMap<String, Option<i64>>,
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| worker::Error::RustError(e.to_string()))
}

fn due_key(expires_at: i64, order_id: &str) -> String {
    format!("d:{:012}:{order_id}", expires_at.max(0))
}

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
        Ok(self
            .storage()
            .get::<String>(&format!("r:{order_id}"))
            .await?
            .and_then(|t| serde_json::from_str(&t).ok()))
    }

    async fn counters(&self, reservation: &Reservation) -> Result<BTreeMap<String, i64>> {
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

    async fn set_state(&self, record: Record, state: HoldState) -> Result<()> {
        let key = format!("r:{}", record.reservation.order_id);
        let due = due_key(record.reservation.expires_at, &record.reservation.order_id);
        self.storage()
            .put(&key, json(&Record { state, ..record })?)
            .await?;
        self.storage().delete(&due).await?;
        Ok(())
    }

    async fn reserve(&self, body: ReserveBody) -> Result<Response> {
        let ReserveBody {
            reservation,
            request_hash,
        } = body;
        // A retry answers as the first attempt did - unless that hold was
        // released (its order failed to store, or was cancelled): then this
        // attempt holds afresh. The same order id for another request (one
        // Idempotency-Key, two bodies) is refused whatever the interleaving.
        if let Some(record) = self.record(&reservation.order_id).await? {
            if record.state != HoldState::Released {
                if !record.request_hash.is_empty() && record.request_hash != request_hash {
                    return reply(
                        422,
                        ApiError::from(OrderError::IdempotencyKeyReused).to_json(),
                    );
                }
                return reply(200, json(&record.state)?);
            }
        }
        let counters = self.counters(&reservation).await?;
        match stock::reserve(&counters, &reservation) {
            Err(e) => reply(409, ApiError::from(e).to_json()),
            Ok(next) => {
                self.write_counters(next).await?;
                let due = due_key(reservation.expires_at, &reservation.order_id);
                let key = format!("r:{}", reservation.order_id);
                let expires_ms = reservation.expires_at.saturating_mul(1000) as f64;
                self.storage()
                    .put(
                        &key,
                        json(&Record {
                            reservation,
                            state: HoldState::Held,
                            request_hash,
                        })?,
                    )
                    .await?;
                self.storage().put(&due, "").await?;
                let alarm = self.storage().get_alarm().await?;
                if alarm.is_none_or(|at| at as f64 > expires_ms) {
                    self.storage()
                        .set_alarm(ScheduledTime::new(js_sys::Date::new(&expires_ms.into())))
                        .await?;
                }
                reply(200, json(&HoldState::Held)?)
            }
        }
    }

    /// Give a held reservation back (`release`) or keep it (`sell`).
    async fn settle(&self, order_id: &str, to: HoldState) -> Result<HoldState> {
        let Some(record) = self.record(order_id).await? else {
            return Ok(HoldState::Released);
        };
        if record.state != HoldState::Held {
            return Ok(record.state);
        }
        if to == HoldState::Released {
            let counters = self.counters(&record.reservation).await?;
            self.write_counters(stock::release(&counters, &record.reservation))
                .await?;
        }
        self.set_state(record, to).await?;
        Ok(to)
    }

    async fn due(&self, limit: usize) -> Result<Vec<(i64, String)>> {
        let listed = self
            .storage()
            .list_with_options(ListOptions::new().prefix("d:").limit(limit))
            .await?;
        let mut due = Vec::new();
        for key in listed.keys() {
            let key = key?.as_string().unwrap_or_default();
            let mut parts = key.splitn(3, ':').skip(1);
            if let (Some(at), Some(order_id)) = (parts.next(), parts.next()) {
                due.push((at.parse().unwrap_or(0), order_id.to_owned()));
            }
        }
        Ok(due)
    }
}

impl DurableObject for InventoryObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let text = req.text().await?;
        let bad = |e: serde_json::Error| reply(400, ApiError::malformed(e.to_string()).to_json());
        match path.as_str() {
            "/reserve" => match serde_json::from_str(&text) {
                Ok(body) => self.reserve(body).await,
                Err(e) => bad(e),
            },
            "/release" | "/sell" => match serde_json::from_str::<OrderRef>(&text) {
                Ok(r) => {
                    let to = if path == "/sell" {
                        HoldState::Sold
                    } else {
                        HoldState::Released
                    };
                    reply(200, json(&self.settle(&r.order_id, to).await?)?)
                }
                Err(e) => bad(e),
            },
            "/counters" => match serde_json::from_str::<Counters>(&text) {
                Ok(mut c) => {
                    for (counter, value) in c.counters.iter_mut() {
                        *value = self.storage().get::<i64>(&format!("c:{counter}")).await?;
                    }
                    reply(200, json(&c)?)
                }
                Err(e) => bad(e),
            },
            _ => reply(404, ApiError::malformed("unknown inventory path").to_json()),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        let now = crate::http::now_s();
        for (at, order_id) in self.due(64).await? {
            if at > now {
                break;
            }
            match flow::time_out(&self.env, &order_id).await {
                Ok(Some(released)) => {
                    let to = if released {
                        HoldState::Released
                    } else {
                        HoldState::Sold
                    };
                    self.settle(&order_id, to).await?;
                }
                Ok(None) => {}
                Err(e) => {
                    worker::console_error!("timing out order {order_id}: {}", flow::describe(&e));
                }
            }
        }
        if let Some((at, _)) = self.due(1).await?.first() {
            let next_ms = ((*at).max(now + 1) * 1000) as f64;
            self.storage()
                .set_alarm(ScheduledTime::new(js_sys::Date::new(&next_ms.into())))
                .await?;
        }
        reply(200, String::new())
    }
}
