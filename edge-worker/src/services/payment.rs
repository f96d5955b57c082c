//! A verified payment notification's effect (`POST /v1/pay/notify`, once
//! the route has checked the signature, the clock skew and the event type,
//! and decrypted the transaction).
//!
//! Rule: a successful transaction pays its order through core's state
//! machine (the amount must equal the payable; the same transaction again
//! changes nothing). Money that arrived for an order that cannot take it
//! (timed out or cancelled first, or paid by another transaction) is kept
//! for the merchant to refund - recorded once per transaction - and refused,
//! so WeChat retries and the merchant sees it. A transaction that did not
//! succeed changes nothing.

use super::{orders, Crypto, OrderStore, StockHolds};
use crate::error::{Error, Result};
use commerce_core::edge_api::UnmatchedPayment;
use commerce_core::error::{Coded, ErrorKind};
use commerce_core::money::Money;
use commerce_core::orders::Event;

/// The decrypted transaction of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub out_trade_no: String,
    pub transaction_id: String,
    pub trade_state: String,
    pub total: Money,
}

pub async fn notified(
    b: &(impl OrderStore + StockHolds + Crypto),
    transaction: Transaction,
    now: i64,
) -> Result<()> {
    if transaction.trade_state != "SUCCESS" {
        return Ok(());
    }
    let event = Event::Pay {
        transaction_id: transaction.transaction_id.clone(),
        amount: transaction.total,
    };
    let order_id = transaction.out_trade_no;
    match orders::run(b, &order_id, &event, None, now).await {
        Ok(_) => Ok(()),
        Err(Error::Order(e)) if e.kind() == ErrorKind::Conflict => {
            b.record_unmatched(&UnmatchedPayment {
                transaction_id: transaction.transaction_id,
                order_id: order_id.clone(),
                amount: transaction.total.as_fen(),
                reason: e.code().to_owned(),
                received_at: now,
            })
            .await?;
            Err(e.into())
        }
        Err(e) => Err(e),
    }
}
