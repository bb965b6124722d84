//! The otpsim command line (grows with the harness).
fn main() {}
