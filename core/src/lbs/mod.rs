//! (lbs: being built; see the issue tracker.)
