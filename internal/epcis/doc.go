// Package epcis maps Plumbline's ledger transactions to GS1 EPCIS 2.0
// events and back.
//
// Export (Mapper.Event) turns one committed transaction into one EPCIS
// event: CommissionBatch into an ObjectEvent ADD (bizStep commissioning),
// DispatchShipment into shipping / in_transit, ReceiveShipment into
// receiving, RecordInspection into inspecting with conformant or
// non_conformant, ReleaseHold into holding, RecordUsage into installing,
// RecallBatch into disposition recalled, TransformBatches into a
// TransformationEvent, CreatePurchaseOrder into a TransactionEvent with a
// po bizTransaction, AttachDocument and CorrectEntry into ObjectEvents
// with Plumbline extensions. RegisterOrganization and RegisterProduct are
// master data, not events (see Mappings).
//
// Capture (Translator.Tx) turns an EPCIS event back into the contract
// transaction that records it, reading the world state to resolve
// identifiers, so that an exported document captured into another
// instance with the same master data commits the same transactions.
//
// Identifiers are URIs: a batch's GS1 Digital Link URI (the one its QR
// code holds, internal/label) where its product has a GTIN, otherwise
// {base}/b/{code}; parties, sites, locations, purchase orders and
// shipments under {base}/epcis/…. Fields EPCIS has no place for are
// extensions in the namespace Namespace, prefix "plb".
//
// The official schema (EPCIS-JSON-Schema.json, GS1) is embedded and
// every document can be checked against it with Validate.
//
// The package is pure: no clock, no database, no network.
package epcis
