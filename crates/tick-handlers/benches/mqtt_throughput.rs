//! MQTT end-to-end throughput (filled in below).
fn main() {}
