// Package models holds Plumbline's domain types: organizations, products,
// batches, purchase orders, shipments, inspections, usages, documents and
// corrections, together with their validation, the world-state key layout
// and the error kinds every layer shares.
//
// Quantities and measured values are fixed-point decimals (see Decimal) so
// that conservation rules are exact and every encoding is deterministic.
package models
