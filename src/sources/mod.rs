//! Sources turn the world into one `Inventory`: offline bundles and the embedded demo today.

pub mod bundle;
pub mod github;
