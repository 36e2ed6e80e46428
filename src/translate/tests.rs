//! Mapping tests (being written).
