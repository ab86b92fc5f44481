package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/frontend"
	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/models"
)

// routes is the one route table. Pages come first, then the JSON API,
// grouped by who uses them. Every /api/v1 route goes through s.api, which
// documents it in the OpenAPI document.
func (s *Server) routes() {
	r := s.engine
	_ = r.SetTrustedProxies(nil) // ClientIP is the peer address; rate limits count real clients

	// Operations.
	r.GET("/healthz", s.healthz)
	r.HEAD("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metricsHandler())
	r.GET("/static/*path", s.static(frontend.FS()))
	r.GET("/ledger/checkpoint", s.evidence.signedCheckpoint) // C2SP tlog-tiles: the latest checkpoint with its cosignatures
	r.GET("/ledger/tile/*path", s.evidence.tile)             // the Merkle tree's hash tiles, public like the checkpoint
	r.GET("/favicon.ico", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/static/img/icon.svg") })

	// Public pages.
	r.GET("/", s.home)
	r.GET("/login", s.loginPage)
	r.POST("/login", s.login)

	// Pages for logged-in users.
	p := r.Group("/", s.requirePage)
	p.POST("/logout", s.logout)
	p.GET("/dashboard", s.dashboard)

	// Supplier pages: products, batches, shipments, bulk import.
	// Upload forms cap their body before requirePage reads it.
	imp := s.newImporter()
	p.GET("/products", s.products)
	p.GET("/products/new", s.newProduct)
	p.POST("/products/new", s.createProduct)
	p.GET("/batches", s.batches)
	p.GET("/batches/new", s.newBatch)
	r.POST("/batches/new", s.limitBody(maxCommissionBody, s.commissionTooBig), s.requirePage, s.createBatch)
	p.GET("/orders", s.orders)
	p.GET("/orders/new", s.newOrder)
	p.POST("/orders/new", s.createOrder)
	p.GET("/shipments", s.shipments)
	p.GET("/shipments/new", s.newShipment)
	p.POST("/shipments/new", s.createShipment)
	p.GET("/shipments/:code", s.shipment)
	p.GET("/import", imp.page)
	r.POST("/import", s.limitBody(maxImportBody, imp.tooBig), s.requirePage, imp.upload)
	p.GET("/import/template/:file", imp.template)
	p.GET("/import/:id", imp.status)

	// Site and inspector pages: incoming shipments, receipts, usage, stock, scan, inspections, holds.
	p.GET("/shipments/incoming", s.incoming)
	p.GET("/shipments/:code/receive", s.receivePage)
	p.POST("/shipments/:code/receive", s.receiveForm)
	p.GET("/stock", s.stock)
	p.GET("/usages/new", s.newUsage)
	p.POST("/usages", s.createUsage)
	p.GET("/scan", s.scan)
	p.GET("/inspections/new", s.newInspection)
	r.POST("/inspections", s.limitBody(maxPhotoRequest, s.photosTooBig), s.requirePage, s.createInspection)
	p.GET("/holds", s.holds)
	p.GET("/holds/:code/release", s.releasePage)
	p.POST("/holds/:code/release", s.releaseForm)

	// Trace and manager pages: trace reports, recalls, labels.
	ev := s.evidence
	t := newTraceArea(s)
	dash := &dashArea{s: s}
	lb := &labelArea{s: s}
	r.GET("/b", t.openCode)                 // the home page's code form
	r.GET("/b/:code", t.batchPage)          // the public trace page
	r.POST("/b/:code/verify", t.verifyFile) // "verify a file": hashed, never stored
	r.GET("/01/*link", t.digitalLink)       // GS1 Digital Link → /b/{code}
	r.GET("/files/:sha256", t.download)     // public documents; private ones for involved organizations
	p.GET("/manager", dash.manager)
	p.GET("/operations", dash.operations) // ledger health and this server's commits (page_dash_ops.go)
	p.GET("/trace", t.traceReport)
	p.GET("/trace.csv", t.traceCSV)
	p.GET("/recalls", t.recalls)
	p.GET("/recalls/new", t.newRecall)
	p.POST("/recalls", t.createRecall)
	p.GET("/recalls/:id", t.recall)
	p.GET("/labels", lb.labels)
	p.GET("/labels/sheet", lb.labelSheet)

	// Recall and non-conformance cases, notifications.
	cs := newCaseArea(s)
	p.GET("/cases", cs.listPage)
	p.GET("/cases/new", cs.newPage)
	p.POST("/cases", cs.create)
	p.GET("/cases/:id", cs.casePage)
	p.POST("/cases/:id/ack", cs.ack)
	p.POST("/cases/:id/dispositions", cs.dispose)
	p.GET("/notifications", cs.notificationsList)
	p.POST("/notifications/read", cs.markRead)

	// Trace reports: the trace graph as SVG, the PDF report, where used.
	p.GET("/trace.svg", t.traceSVG)
	p.GET("/trace.pdf", t.tracePDF)
	p.GET("/where-used", t.whereUsedPage)
	p.GET("/where-used.csv", t.whereUsedCSV)

	// Dashboard pages: the charts' CSV downloads, "verify now" (api_dash.go).
	p.GET("/dashboard/:file", dash.dashCSV)
	p.POST("/manager/verify", dash.verifyNow)
	p.POST("/operations/verify", dash.verifyNow)

	// Admin pages: users, roles, API tokens.
	adm := p.Group("/admin", s.requireAdmin)
	adm.GET("/users", s.adminUsers)
	adm.POST("/users", s.adminCreateUser)
	adm.POST("/users/:id", s.adminChangeUser)
	adm.GET("/tokens", s.adminTokens)
	adm.POST("/tokens", s.adminCreateToken)
	adm.POST("/tokens/:id/revoke", s.adminRevokeToken)
	adm.GET("/webhooks", s.adminWebhooks)
	adm.POST("/webhooks", s.adminCreateWebhook)
	adm.POST("/webhooks/:id/active", s.adminToggleWebhook)
	adm.POST("/webhooks/deliveries/:id/redeliver", s.adminRedeliver)

	// JSON API.
	a := r.Group("/api/v1")
	a.GET("/openapi.json", s.openAPIHandler)
	s.api(a, apiOp{Method: "POST", Path: "/tokens", Tag: "auth", Public: true, Status: http.StatusCreated,
		Summary: "Exchange a login and password for a Bearer token", Request: tokenRequest{}, Response: tokenResponse{}}, s.createToken)

	// Supplier API.
	s.api(a, apiOp{Method: "GET", Path: "/products", Tag: "supplier", Summary: "List products (all, or one manufacturer's)",
		Query: []string{"manufacturer: organization ID"}, Response: productList{}}, s.apiProducts)
	s.api(a, apiOp{Method: "POST", Path: "/products", Tag: "supplier", Status: http.StatusCreated, Summary: "Register a product of your organization (RegisterProduct)",
		Request: contract.RegisterProductArgs{}, Response: models.Product{}}, s.apiCreateProduct)
	s.api(a, apiOp{Method: "GET", Path: "/products/:id", Tag: "supplier", Summary: "One product", Response: models.Product{}}, s.apiProduct)
	s.api(a, apiOp{Method: "GET", Path: "/batches", Tag: "supplier", Summary: "List the batches your organization produced, owns or holds",
		Query: []string{"status: batch status", "product_id: product ID", "q: part of the batch code", "after: the previous page's next", "limit: 1-500, default 50"}, Response: batchList{}}, s.apiBatches)
	s.api(a, apiOp{Method: "POST", Path: "/batches", Tag: "supplier", Status: http.StatusCreated, Summary: "Commission a batch (CommissionBatch)",
		Request: contract.CommissionBatchArgs{}, Response: models.Batch{}}, s.apiCommission)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code", Tag: "supplier", Summary: "One batch with the documents you may see", Response: batchDetail{}}, s.apiBatch)
	s.api(a, apiOp{Method: "POST", Path: "/batches/:code/documents", Tag: "supplier", Status: http.StatusCreated, Form: true,
		Summary: "Upload a file and attach it to the batch (AttachDocument)", Request: documentUpload{}, Response: models.Document{}}, s.apiAttach)
	s.api(a, apiOp{Method: "GET", Path: "/purchase-orders", Tag: "supplier", Summary: "List the purchase orders your organization placed or received",
		Query: []string{"status: open, fulfilled or over_delivered", "after: the previous page's next", "limit: 1-500, default 50"}, Response: orderList{}}, s.apiOrders)
	s.api(a, apiOp{Method: "POST", Path: "/purchase-orders", Tag: "supplier", Status: http.StatusCreated, Summary: "Place a purchase order (CreatePurchaseOrder)",
		Request: contract.CreatePurchaseOrderArgs{}, Response: models.PurchaseOrder{}}, s.apiCreateOrder)
	s.api(a, apiOp{Method: "GET", Path: "/shipments", Tag: "supplier", Summary: "List the shipments your organization sends, receives or carries",
		Query: []string{"direction: outgoing, incoming or carried", "status: in_transit or received", "after: the previous page's next", "limit: 1-500, default 50"}, Response: shipmentList{}}, s.apiShipments)
	s.api(a, apiOp{Method: "POST", Path: "/shipments", Tag: "supplier", Status: http.StatusCreated, Summary: "Dispatch a shipment (DispatchShipment); a partial quantity splits off a child batch",
		Request: contract.DispatchShipmentArgs{}, Response: models.Shipment{}}, s.apiDispatch)
	s.api(a, apiOp{Method: "GET", Path: "/shipments/:code", Tag: "supplier", Summary: "One shipment, for its parties", Response: models.Shipment{}}, s.apiShipment)
	s.api(a, apiOp{Method: "POST", Path: "/imports", Tag: "supplier", Status: http.StatusAccepted, Form: true,
		Summary: "Start a bulk CSV import (multipart field file, or a text/csv body); every row is checked first",
		Query:   []string{"kind: batches or shipments"}, Request: importUpload{}, Response: importJob{}}, imp.apiUpload)
	s.api(a, apiOp{Method: "GET", Path: "/imports/:id", Tag: "supplier", Summary: "An import's progress and per-row failures", Response: importJob{}}, imp.apiStatus)

	// Site and inspector API.
	s.api(a, apiOp{Method: "GET", Path: "/shipments/incoming", Tag: "site", Response: store.Page[models.Shipment]{},
		Summary: "Shipments to your organization, newest first", Query: []string{"status: in_transit (default), received or all", "after: the previous page's next cursor"}}, s.apiIncoming)
	s.api(a, apiOp{Method: "POST", Path: "/shipments/:code/receive", Tag: "site", Request: receiveRequest{}, Response: models.Shipment{},
		Summary: "Receive a shipment: every line accept, reject (with reason) or discrepancy (received quantity and reason); one transaction"}, s.apiReceive)
	s.api(a, apiOp{Method: "GET", Path: "/stock", Tag: "site", Response: stockResponse{},
		Summary: "What your organization holds: totals per site and product, and one page of batches by site", Query: []string{"site: a site", "product: a product ID", "after: the previous page's next cursor"}}, s.apiStock)
	s.api(a, apiOp{Method: "POST", Path: "/usages", Tag: "site", Status: http.StatusCreated, Request: contract.RecordUsageArgs{}, Response: models.Usage{},
		Summary: "Record material built into the works at a project / building / floor / element"}, s.apiCreateUsage)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code/usages", Tag: "site", Response: listJSON[models.Usage]{},
		Summary: "Where a batch was used (organizations involved with it)"}, s.apiBatchUsages)
	s.api(a, apiOp{Method: "POST", Path: "/batches/:code/photos", Tag: "inspections", Status: http.StatusCreated, Form: true, Request: photoUpload{}, Response: listJSON[storedPhoto]{},
		Summary: "Upload inspection photos (multipart field photos, repeated); returns their SHA-256 for POST /inspections"}, s.bounded(maxPhotoRequest, s.apiPhotos))
	s.api(a, apiOp{Method: "POST", Path: "/inspections", Tag: "inspections", Status: http.StatusCreated, Request: inspectionRequest{}, Response: inspectionResponse{},
		Summary: "Record an inspection: results checked against the product's spec limits, verdict, notes, photos by hash"}, s.apiCreateInspection)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code/inspections", Tag: "inspections", Response: listJSON[models.Inspection]{},
		Summary: "A batch's inspections, oldest first (organizations involved with it)"}, s.apiBatchInspections)
	s.api(a, apiOp{Method: "GET", Path: "/holds", Tag: "inspections", Response: store.Page[store.Hold]{},
		Summary: "Open holds your organization can see, most recent first, with since when", Query: []string{"after: the previous page's next cursor"}}, s.apiHolds)
	s.api(a, apiOp{Method: "POST", Path: "/holds/:code/release", Tag: "inspections", Request: releaseRequest{}, Response: models.Batch{},
		Summary: "Release a batch on hold, with a reason (inspection agencies)"}, s.apiReleaseHold)

	// Trace, ledger and manager API.
	s.api(a, apiOp{Method: "GET", Path: "/ledger/checkpoint", Tag: "ledger", Public: true,
		Summary: "The latest signed checkpoint (or the one signed at ?size=N entries), the key to verify it and the ledger kind",
		Query:   []string{"size: the number of entries of a checkpoint signed earlier; 404 names the nearest signed sizes"}, Response: checkpointResponse{}}, ev.checkpoint)
	s.api(a, apiOp{Method: "POST", Path: "/ledger/evidence", Tag: "ledger", Public: true, Request: evidenceRequest{}, Response: app.Evidence{},
		Summary: "Present a checkpoint kept from this ledger (signed by it and cosigned by a configured witness): 200 when the ledger extends it; 409, and writes stop, when the ledger was rolled back or forked since"}, ev.evidenceCheck)
	s.api(a, apiOp{Method: "GET", Path: "/ledger/consistency", Tag: "ledger", Public: true,
		Summary: "An RFC 6962 consistency proof: the checkpoint signed at ?to= entries (default the latest) extends the one signed at ?from=",
		Query:   []string{"from: the older checkpoint's size", "to: the newer checkpoint's size; the latest when left out"}, Response: app.Consistency{}}, ev.consistency)
	s.api(a, apiOp{Method: "GET", Path: "/ledger/entries/:seq/proof", Tag: "ledger", Public: true,
		Summary: "An entry's inclusion proof; the entry itself only for those who may read it (else redacted: true)", Response: proofResponse{}}, ev.proof)
	s.api(a, apiOp{Method: "GET", Path: "/ledger/entries/:seq/tlog-proof", Tag: "ledger", Public: true, Produces: "text/plain",
		Summary: "An entry's offline proof in the C2SP tlog-proof format (the entry on its extra line; against the newest witnessed checkpoint when witnesses are configured); 403 for entries the viewer may not read"}, ev.entryTLogProof)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code/tlog-proofs", Tag: "ledger", Public: true, Produces: "application/zip",
		Summary: "The offline proofs of a batch's timeline as a zip of <seq>.tlog-proof files, with the keys and a README; entries the viewer may not read are listed as withheld"}, ev.batchTLogProofs)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code/qr.png", Tag: "labels", Public: true, Produces: "image/png",
		Summary: "The batch's QR code (its GS1 Digital Link URI) as PNG", Query: []string{"size: pixels, 64-2048, default 256"}}, lb.qrPNG)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code/qr.svg", Tag: "labels", Public: true, Produces: "image/svg+xml",
		Summary: "The batch's QR code as SVG"}, lb.qrSVG)
	s.api(a, apiOp{Method: "GET", Path: "/labels.pdf", Tag: "labels", Produces: "application/pdf",
		Summary: "An A4 sheet of 3 x 8 labels for batches your organization is involved with",
		Query:   []string{"batch: a batch code, repeatable", "outline: 1 draws cutting frames"}}, lb.labelsPDF)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code/trace", Tag: "trace", Response: traceResponse{},
		Summary: "Trace a batch backward to its origins and forward to every batch and usage location",
		Query:   []string{"direction: backward, forward or both (default)", "depth: 1-256 steps (default 32)"}}, t.apiTrace)
	s.api(a, apiOp{Method: "GET", Path: "/where-used", Tag: "trace", Response: whereUsedResponse{},
		Summary: "Every building, floor and element material of a product, supplier, heat number or date range went into (places of batches you are involved with)",
		Query: []string{"product: product ID", "supplier: producer organization ID", "heat: heat number", "from: YYYY-MM-DD", "to: YYYY-MM-DD (inclusive)",
			"dates: produced (default) or used: what from and to bound", "limit: 1-1000, default 200"}}, t.apiWhereUsed)
	s.api(a, apiOp{Method: "GET", Path: "/dashboard", Tag: "manager", Response: dashboardResponse{},
		Summary: "The manager's dashboard: deliveries this week, open holds, failed inspections, recalls"}, dash.apiDashboard)
	s.api(a, apiOp{Method: "POST", Path: "/recalls", Tag: "recalls", Status: http.StatusCreated, Request: recallRequest{}, Response: recallResponse{},
		Summary: "Recall a batch and everything made from it (producer, authority or inspection agency)"}, t.apiCreateRecall)
	s.api(a, apiOp{Method: "GET", Path: "/recalls", Tag: "recalls", Response: store.Page[models.Recall]{},
		Summary: "Recalls, newest first", Query: []string{"after: the previous page's next cursor"}}, t.apiRecalls)
	s.api(a, apiOp{Method: "GET", Path: "/recalls/:id", Tag: "recalls", Response: recallResponse{},
		Summary: "A recall and its impact: every downstream batch and usage location"}, t.apiRecall)

	// EPCIS 2.0: export as EPCISDocuments (JSON-LD) and capture.
	ep := newEPCISArea(s)
	p.GET("/epcis", ep.page)
	r.POST("/epcis", s.limitBody(maxCapturePage, ep.tooBig), s.requirePage, ep.upload)
	p.GET("/epcis/capture/:id", ep.job)
	s.api(a, apiOp{Method: "GET", Path: "/epcis/events", Tag: "epcis", Produces: epcis.MediaType,
		Summary: "Ledger events as an EPCIS 2.0 EPCISDocument (JSON-LD); private data only for organizations involved with the batch",
		Query: []string{"MATCH_anyEPC: batch codes or identifiers (/b/{code}, /01/{gtin}/10/{lot}), comma-separated; also MATCH_epc, MATCH_epcClass, MATCH_anyEPCClass, batch",
			"GE_eventTime: events at or after (RFC 3339)", "LT_eventTime: events before (RFC 3339)", "EQ_bizStep: e.g. shipping, receiving, inspecting, installing",
			"EQ_bizLocation: a usage location URI", "eventType: ObjectEvent, TransactionEvent or TransformationEvent", "perPage: 1-1000, default 100", "nextPageToken: from the previous page (also in the Link header)"}}, ep.events)
	s.api(a, apiOp{Method: "GET", Path: "/batches/:code/epcis", Tag: "epcis", Produces: epcis.MediaType,
		Summary: "A batch's full trace, backward and forward, as one EPCISDocument (up to 5,000 events a page)",
		Query:   []string{"GE_eventTime: events at or after", "LT_eventTime: events before", "EQ_bizStep: a bizStep", "perPage: 1-5000, default 5000", "nextPageToken: from the previous page"}}, ep.batchTrace)
	s.api(a, apiOp{Method: "POST", Path: "/epcis/capture", Tag: "epcis", Status: http.StatusAccepted, Request: captureRequest{}, Response: captureJob{},
		Summary: "Capture an EPCISDocument: schema-checked, each event dry-run as its transaction, then committed as your organization; all-or-nothing unless GS1-Capture-Error-Behaviour: proceed. Location names the job; documents of up to 500 events are answered when done"}, ep.apiCapture)
	s.api(a, apiOp{Method: "GET", Path: "/epcis/capture/:id", Tag: "epcis", Response: captureJob{},
		Summary: "A capture's progress and every event's result: committed (ledger seq, tx id), replayed, rejected (why, where) or not applied",
		Query:   []string{"events: all (default), problems (rejected and not applied only) or none (progress only)"}}, ep.apiCaptureJob)

	// Dashboard API: the figures behind the charts on /manager.
	s.api(a, apiOp{Method: "GET", Path: "/dashboard/deliveries", Tag: "dashboard", Response: dashDeliveries{}, Query: dashQueryDoc,
		Summary: "Shipments received per week, by supplier or product (distinct shipments and accepted quantity per unit)"}, apiDash(dash, s.app.Deliveries))
	s.api(a, apiOp{Method: "GET", Path: "/dashboard/on-time", Tag: "dashboard", Response: dashOnTime{}, Query: dashQueryDoc,
		Summary: "On-time delivery per supplier: shipment lines against orders with a due date, received on or before it"}, apiDash(dash, s.app.OnTime))
	s.api(a, apiOp{Method: "GET", Path: "/dashboard/inspections", Tag: "dashboard", Response: dashInspections{}, Query: dashQueryDoc,
		Summary: "Inspections and failures per product or supplier (the batch's producer)"}, apiDash(dash, s.app.Inspections))
	s.api(a, apiOp{Method: "GET", Path: "/dashboard/holds", Tag: "dashboard", Response: dashHolds{}, Query: dashQueryDoc,
		Summary: "Open holds by age (under 1 day, 1-7, 7-30, 30 days and more), oldest first"}, apiDash(dash, s.app.Holds))
	s.api(a, apiOp{Method: "GET", Path: "/dashboard/recalls", Tag: "dashboard", Response: dashRecalls{}, Query: dashQueryDoc,
		Summary: "Recalls and their progress"}, apiDash(dash, s.app.Recalls))
	s.api(a, apiOp{Method: "GET", Path: "/dashboard/ledger", Tag: "dashboard", Response: dashLedger{},
		Summary: "Ledger health: entries, last checkpoint, last verification, commit throughput and latency over the last 5 and 60 minutes"}, apiDash(dash, dash.ledgerData))
	s.api(a, apiOp{Method: "POST", Path: "/ledger/verify", Tag: "dashboard", Status: http.StatusAccepted, Response: verifyStarted{},
		Summary: "Start verifying the whole ledger in the background (administrators; one at a time); the result shows as last_verify"}, dash.apiVerify)

	// Recall and non-conformance cases API, notifications.
	s.api(a, apiOp{Method: "POST", Path: "/cases", Tag: "cases", Status: http.StatusCreated, Request: openCaseRequest{}, Response: caseView{},
		Summary: "Open a non-conformance or recall case on a batch; the server lists every usage of its forward trace"}, cs.apiOpen)
	s.api(a, apiOp{Method: "GET", Path: "/cases", Tag: "cases", Response: caseList{},
		Summary: "Cases you may see with their progress, newest first (authorities and inspection agencies: all; others: those affecting or opened by them)",
		Query:   []string{"status: open or closed", "kind: non_conformance or recall", "batch: raised on or reaching a batch", "affecting: me", "after: the previous page's next", "limit: 1-500, default 50"}}, cs.apiList)
	s.api(a, apiOp{Method: "GET", Path: "/cases/:id", Tag: "cases", Response: caseView{},
		Summary: "A case: progress, impact list (locations you may see), acknowledgements, dispositions and the ledger entry of every step"}, cs.apiCase)
	s.api(a, apiOp{Method: "POST", Path: "/cases/:id/ack", Tag: "cases", Request: ackRequest{}, Response: caseView{},
		Summary: "Acknowledge a case for your organization (affected organizations)"}, cs.apiAck)
	s.api(a, apiOp{Method: "POST", Path: "/cases/:id/dispositions", Tag: "cases", Request: dispositionRequest{}, Response: caseView{},
		Summary: "Record dispositions of affected usages: replace, rework or accept_as_is with a justification (the usage's contractor after acknowledging, or an authority)"}, cs.apiDispositions)
	s.api(a, apiOp{Method: "GET", Path: "/notifications", Tag: "cases", Response: store.Page[store.Notification]{},
		Summary: "Your organization's notifications, newest first, with your read state", Query: []string{"after: the previous page's next", "limit: 1-500, default 50"}}, cs.apiNotifications)
	s.api(a, apiOp{Method: "POST", Path: "/notifications/read", Tag: "cases", Request: readRequest{}, Response: map[string]int64{},
		Summary: "Mark one notification (id) or all (no id) read for you; answers the unread count"}, cs.apiMarkRead)

	// Admin API.
	admin := a.Group("", s.requireAdmin)
	s.api(admin, apiOp{Method: "GET", Path: "/users", Tag: "admin", Summary: "List your organization's users (admins only)", Response: listJSON[userJSON]{}}, s.apiUsers)
	s.api(admin, apiOp{Method: "POST", Path: "/users", Tag: "admin", Status: http.StatusCreated, Summary: "Create a user in your organization; the login becomes <org>.<name>", Request: newUserRequest{}, Response: userJSON{}}, s.apiCreateUser)
	s.api(admin, apiOp{Method: "PATCH", Path: "/users/:id", Tag: "admin", Summary: "Change a user's role, disable or enable them, or set a new password", Request: userChange{}, Response: userJSON{}}, s.apiChangeUser)
	s.api(admin, apiOp{Method: "GET", Path: "/tokens", Tag: "admin", Summary: "List your organization's API tokens (never their secrets)", Response: listJSON[tokenJSON]{}}, s.apiTokens)
	s.api(admin, apiOp{Method: "DELETE", Path: "/tokens/:id", Tag: "admin", Status: http.StatusNoContent, Summary: "Revoke an API token of your organization"}, s.apiRevokeToken)
	s.api(admin, apiOp{Method: "GET", Path: "/webhooks", Tag: "webhooks", Response: listJSON[store.Endpoint]{}, Summary: "Your organization's webhook endpoints (admins; never their secrets)"}, s.apiWebhooks)
	s.api(admin, apiOp{Method: "POST", Path: "/webhooks", Tag: "webhooks", Status: http.StatusCreated, Request: endpointRequest{}, Response: endpointCreated{},
		Summary: "Register a webhook endpoint (http or https, public address); the answer holds its HMAC secret, shown only once"}, s.apiCreateWebhook)
	s.api(admin, apiOp{Method: "GET", Path: "/webhooks/deliveries", Tag: "webhooks", Response: store.Page[store.HookDelivery]{},
		Summary: "The delivery log: status, attempts, last response code or error, next attempt", Query: []string{"endpoint: an endpoint ID", "after: the previous page's next", "limit: 1-500, default 50"}}, s.apiWebhookDeliveries)
	s.api(admin, apiOp{Method: "POST", Path: "/webhooks/deliveries/:id/redeliver", Tag: "webhooks", Response: store.HookDelivery{},
		Summary: "Queue a delivery again, due now, with a fresh set of attempts"}, s.apiRedeliver)
}
