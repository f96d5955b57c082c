//! (sync: being built; see the issue tracker.)
