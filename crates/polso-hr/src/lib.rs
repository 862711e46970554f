//! What HR sees that is shaped from released cells rather than read as is:
//! the heatmap's two periods per unit and metric, their change and its 95%
//! interval ([`change`], [`heatmap`]), and which weeks a view counts as
//! published ([`publication`]).
//!
//! One code for both sides: the server runs [`heatmap::build_heatmap`] on
//! its published cells and serves the result (`GET /v1/heatmap`), so HR's app
//! receives what it draws instead of every week's cells; the app uses the same
//! types and periods for its other views. Pure: no IO, no clock; nothing here
//! sees a cell the server did not release.

#![warn(missing_docs)]

pub mod change;
pub mod heatmap;
pub mod pool;
pub mod publication;
