//! A run's trace in forms made for reading: typed JSON lines ([`json_lines`]), Chrome
//! trace-event JSON for Perfetto ([`chrome_trace`]), and one self-contained HTML file
//! drawing the run as a message-sequence chart ([`html`]).
//!
//! All three are made after the run from its canonical lines, so exporting never
//! changes the trace or its hash. The JSON-lines schema is documented in
//! docs/trace.md; [`TRACE_FORMAT_VERSION`] changes whenever it does.

mod chrome;
mod html;
mod json_lines;
mod picture;

pub use chrome::chrome_trace;
pub use html::html;
pub use json_lines::{typed, write_json_lines, TraceHeader, TRACE_FORMAT_VERSION};
pub use picture::{Fate, Mark, Message, Picture, Process};
