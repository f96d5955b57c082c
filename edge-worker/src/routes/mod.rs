//! The route table: path patterns (matched by `matchit`, the router inside
//! the `worker` crate) to one handler per method. A known path with another
//! method is 405; an unknown path is 404 — both as JSON errors.

mod core_ops;
mod health;

use crate::http::HttpError;
use commerce_core::error::{ApiError, ErrorKind};
use worker::{Env, Method, Request, Response};

/// Which handler a path leads to.
#[derive(Clone, Copy)]
enum Route {
    Health,
    Quote,
    Operation,
}

impl Route {
    /// The one method this route answers.
    fn method(self) -> Method {
        match self {
            Route::Health => Method::Get,
            Route::Quote | Route::Operation => Method::Post,
        }
    }

    /// The method's name, for the `Allow` header of a 405.
    fn allow(self) -> &'static str {
        match self.method() {
            Method::Get => "GET",
            _ => "POST",
        }
    }
}

fn table() -> matchit::Router<Route> {
    let mut router = matchit::Router::new();
    for (pattern, route) in [
        ("/v1/health", Route::Health),
        ("/v1/quote", Route::Quote),
        ("/v1/ops/:op", Route::Operation),
    ] {
        // The patterns are literals above; inserting them cannot conflict.
        let _ = router.insert(pattern, route);
    }
    router
}

pub async fn dispatch(mut req: Request, env: Env) -> Result<Response, HttpError> {
    let path = req.path();
    let router = table();
    let Ok(matched) = router.at(&path) else {
        return Err(
            ApiError::new(ErrorKind::NotFound, "NOT_FOUND", format!("no route {path}")).into(),
        );
    };
    let route = *matched.value;
    if req.method() != route.method() {
        return Err(HttpError::MethodNotAllowed {
            allowed: route.allow(),
        });
    }
    match route {
        Route::Health => health::get(&env),
        Route::Quote => core_ops::post(&mut req, "quote").await,
        Route::Operation => {
            let op = matched.params.get("op").unwrap_or_default().to_owned();
            core_ops::post(&mut req, &op).await
        }
    }
}
