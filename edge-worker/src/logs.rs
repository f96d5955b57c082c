//! Log lines: the runtime's console in the worker, stderr in native tests
//! (the console is a JavaScript import that native code cannot call).
//!
//! Invariant: a log line never carries a secret (keys, tokens, openids).

/// A warning: something a client sent or a provider answered was refused.
macro_rules! log_warn {
    ($($t:tt)*) => {{
        #[cfg(target_arch = "wasm32")]
        worker::console_warn!($($t)*);
        #[cfg(not(target_arch = "wasm32"))]
        eprintln!("warn: {}", format!($($t)*));
    }};
}

/// An error: something the merchant or an operator must look at.
macro_rules! log_error {
    ($($t:tt)*) => {{
        #[cfg(target_arch = "wasm32")]
        worker::console_error!($($t)*);
        #[cfg(not(target_arch = "wasm32"))]
        eprintln!("error: {}", format!($($t)*));
    }};
}

pub(crate) use log_error as error;
pub(crate) use log_warn as warn;
