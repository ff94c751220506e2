//! The record/replay engine behind the C surface: the session attached to a
//! store, what happens at each crossing of the host boundary while recording
//! or replaying, and the conversions between C values and trace values. It
//! writes and reads traces through [`crate::trace`] and knows nothing of the
//! C boundary.

pub mod calls;
pub mod component_values;
pub mod components;
pub mod env;
pub mod host;
pub mod modules;
pub mod session;
pub mod shadow;
pub mod stores;
pub mod values;
pub mod wasi;
pub mod wasip2;
