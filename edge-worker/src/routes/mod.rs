//! The route table: one row per route - method, path pattern (matched by
//! `matchit`), who may call it, handler. Everything else is derived from the
//! rows: a known path with another method is 405 with `Allow` listing that
//! path's methods; an unknown path is 404; a path whose rows are `admin` is
//! 404 for any request without the admin token, as if absent. The table is
//! built once per isolate. `docs/openapi.json` is checked against it (the
//! native tests below; `tests/edge/openapi.cjs` against the running worker).
//!
//! Each handler decodes, calls core or one service, encodes - a few lines.

mod admin;
mod auth;
mod cart;
mod catalog;
mod core_ops;
mod coupons;
mod health;
mod orders;
mod pay;
mod staff;
mod stores;

use crate::error::{Error, Result};
use crate::http::method;
use std::future::Future;
use std::pin::Pin;
use worker::{Env, Request, Response};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Anyone.
    Public,
    /// A shopper with a session token (`Authorization: Bearer`), else 401.
    User,
    /// A session token if one is sent (a bad one is 401), else a guest.
    MaybeUser,
    /// The merchant (`X-Admin-Token`); without it the route does not exist (404).
    Admin,
    /// Development only: the route does not exist (404) unless the payment
    /// sandbox is configured (`WECHATPAY_SANDBOX_URL`); then as `User`.
    DevUser,
    /// A store's staff (a staff token), else 401.
    Staff,
}

/// What a handler gets.
pub struct Ctx {
    pub req: Request,
    pub env: Env,
    /// The user a `User` (or `MaybeUser`) guard found; a `Staff` guard's
    /// staff member.
    pub user: Option<String>,
    /// The store of a `Staff` route's staff member.
    pub store: Option<String>,
    /// `:id` / `:op` of the pattern, when it has one.
    pub param: String,
}

impl Ctx {
    /// The store of a `Staff` route.
    pub fn store(&self) -> Result<&str> {
        self.store
            .as_deref()
            .ok_or_else(|| Error::unauthorized("UNAUTHORIZED", "no staff token"))
    }

    /// The user of a `User` route.
    pub fn user(&self) -> Result<&str> {
        self.user
            .as_deref()
            .ok_or_else(|| Error::unauthorized("UNAUTHORIZED", "log in first: no session token"))
    }
}

type Pending = Pin<Box<dyn Future<Output = Result<Response>>>>;

/// One route.
pub struct Route {
    pub method: &'static str,
    pub pattern: &'static str,
    pub guard: Guard,
    handler: fn(Ctx) -> Pending,
}

macro_rules! routes {
    ($($method:literal $pattern:literal $guard:ident => $handler:path;)*) => {
        /// Every route, in the order docs/api.md describes them.
        pub const ROUTES: &[Route] = &[$(Route {
            method: $method,
            pattern: $pattern,
            guard: Guard::$guard,
            handler: |cx| Box::pin($handler(cx)),
        }),*];
    };
}

routes! {
    "GET" "/v1/health" Public => health::get;
    "POST" "/v1/quote" Public => core_ops::quote;
    "POST" "/v1/ops/:op" Public => core_ops::operation;
    "GET" "/v1/catalog" Public => catalog::storefront;
    "GET" "/v1/stores" Public => catalog::stores;
    "GET" "/v1/stores/nearest" Public => stores::nearest;
    "GET" "/v1/stores/:id/stock" Public => stores::stock;
    "POST" "/v1/auth/login" Public => auth::login;
    "GET" "/v1/me" User => auth::me;
    "GET" "/v1/coupons" User => coupons::list;
    "POST" "/v1/coupons/claim" User => coupons::claim;
    "POST" "/v1/cart/sync" MaybeUser => cart::sync;
    "POST" "/v1/checkout/preview" User => orders::preview;
    "POST" "/v1/orders" User => orders::create;
    "GET" "/v1/orders" User => orders::list;
    "GET" "/v1/orders/:id" User => orders::get;
    "POST" "/v1/orders/:id/cancel" User => orders::cancel;
    "POST" "/v1/orders/:id/complete" User => orders::complete;
    "POST" "/v1/orders/:id/refund" User => orders::refund;
    "POST" "/v1/orders/:id/pay" User => pay::prepay;
    "POST" "/v1/orders/:id/pay/sandbox" DevUser => pay::sandbox;
    "POST" "/v1/pay/notify" Public => pay::notify;
    "GET" "/v1/staff/orders" Staff => staff::queue;
    "POST" "/v1/staff/orders/:id/accept" Staff => staff::accept;
    "POST" "/v1/staff/orders/:id/ready" Staff => staff::ready;
    "POST" "/v1/staff/orders/:id/verify" Staff => staff::verify;
    "POST" "/v1/staff/orders/:id/dispatch" Staff => staff::dispatch;
    "POST" "/v1/staff/orders/:id/deliver" Staff => staff::deliver;
    "PUT" "/v1/admin/catalog" Admin => admin::put_catalog;
    "PUT" "/v1/admin/stores" Admin => admin::put_stores;
    "POST" "/v1/admin/session" Admin => admin::session;
    "POST" "/v1/admin/staff" Admin => admin::staff;
    "POST" "/v1/admin/orders/:id/ship" Admin => admin::ship;
    "POST" "/v1/admin/orders/:id/complete" Admin => admin::complete;
    "POST" "/v1/admin/orders/:id/refund" Admin => orders::merchant_refund;
    "POST" "/v1/admin/stock" Admin => admin::stock;
    "GET" "/v1/admin/stores/:id/stock" Admin => admin::store_stock;
    "POST" "/v1/admin/stores/:id/stock" Admin => admin::adjust_store_stock;
    "GET" "/v1/admin/unmatched-payments" Admin => admin::unmatched_payments;
    "GET" "/v1/admin/refund-payouts" Admin => admin::refund_payouts;
}

/// The rows of one path pattern.
struct Path {
    rows: Vec<&'static Route>,
    /// `Allow` for this path.
    allow: String,
}

struct Table {
    router: matchit::Router<usize>,
    paths: Vec<Path>,
}

impl Table {
    fn build() -> Table {
        let mut router = matchit::Router::new();
        let mut paths: Vec<Path> = Vec::new();
        let mut index: Vec<&'static str> = Vec::new();
        for route in ROUTES {
            let at = match index.iter().position(|p| *p == route.pattern) {
                Some(at) => at,
                None => {
                    index.push(route.pattern);
                    paths.push(Path {
                        rows: Vec::new(),
                        allow: String::new(),
                    });
                    // The patterns are literals above (the tests insert
                    // them all); a conflict cannot happen at run time.
                    let _ = router.insert(route.pattern, paths.len() - 1);
                    paths.len() - 1
                }
            };
            paths[at].rows.push(route);
        }
        for path in &mut paths {
            path.allow = path
                .rows
                .iter()
                .map(|r| r.method)
                .collect::<Vec<_>>()
                .join(", ");
        }
        Table { router, paths }
    }
}

thread_local! {
    static TABLE: Table = Table::build();
}

/// What a known path has for a method.
enum Found {
    Route(&'static Route, String),
    /// The path exists, not with this method; its `Allow`.
    OtherMethods(String),
}

/// The path's guard and what it has for `method`; `None`: no such path.
fn find(path: &str, method: &str) -> Option<(Guard, Found)> {
    TABLE.with(|table| {
        let matched = table.router.at(path).ok()?;
        let found = &table.paths[*matched.value];
        let guard = found.rows[0].guard;
        Some(match found.rows.iter().find(|r| r.method == method) {
            Some(route) => {
                let param = matched.params.iter().next().map(|(_, v)| v.to_owned());
                (guard, Found::Route(route, param.unwrap_or_default()))
            }
            None => (guard, Found::OtherMethods(found.allow.clone())),
        })
    })
}

pub async fn dispatch(req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    let (guard, found) =
        find(&path, &method(&req)).ok_or_else(|| Error::not_found(format!("no route {path}")))?;
    // A hidden path stays hidden whatever the method: its guard comes first.
    match guard {
        Guard::Admin => admin::guard(&req, &env)?,
        Guard::DevUser => pay::sandbox_guard(&env)?,
        _ => {}
    }
    let (route, param) = match found {
        Found::Route(route, param) => (route, param),
        Found::OtherMethods(allowed) => return Err(Error::MethodNotAllowed { allowed }),
    };
    let (user, store) = match guard {
        Guard::User | Guard::DevUser => (Some(crate::auth::require_user(&req, &env).await?), None),
        Guard::MaybeUser => match crate::auth::bearer(&req)? {
            Some(token) => (Some(crate::auth::verify(&env, &token).await?), None),
            None => (None, None),
        },
        Guard::Staff => {
            let staff = crate::auth::require_staff(&req, &env).await?;
            (Some(staff.sub), staff.store)
        }
        Guard::Public | Guard::Admin => (None, None),
    };
    (route.handler)(Ctx {
        req,
        env,
        user,
        store,
        param,
    })
    .await
}

#[cfg(test)]
mod tests;
