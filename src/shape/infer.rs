//! Shape inference by unification (to be written).
