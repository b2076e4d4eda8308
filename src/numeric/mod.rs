//! Numbers for the cross-check: evaluation of IR nodes, random points that
//! respect each variable's domain, finite differences.
