package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// Start is when the demo's history begins: Monday 2 March 2026, 08:00 in
// China Standard Time (a fixed zone, so no time zone database is needed).
var Start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// RecentStart returns the Monday, 08:00 China Standard Time, on which the
// standard demo history of seed must start to end between one and eight days
// before now, so that a demo's "this week" and "last 30 days" figures show
// something. Batch codes carry dates, so they differ from the fixed Start's.
func RecentStart(seed int64, now time.Time) time.Time {
	_, sum := Plan(Options{Seed: seed})
	length := sum.To.Sub(Start)
	latest := now.In(Start.Location()).Add(-length - 24*time.Hour)
	y, m, d := latest.Date()
	day := time.Date(y, m, d, 8, 0, 0, 0, Start.Location())
	for day.Weekday() != time.Monday || day.After(latest) {
		day = day.AddDate(0, 0, -1)
	}
	return day
}

// simBatch is the planner's view of a batch: just enough of the contract's
// state to plan transactions the contract accepts.
type simBatch struct {
	code      string
	product   string
	remaining models.Decimal
	holder    string // custodian
	site      string
	status    models.BatchStatus
	usable    bool // the inspection state allows use
	held      bool // on hold or rejected when dispatched: a return to its producer, on hold on arrival
	splits    int  // children split off so far (the contract names them code.1, code.2, …)
	children  []string
	producer  string
	lot       string // the cement lot it came from, for cement
	usages    int
	usageTx   []int // plan positions of its usages
}

// planner builds the demo's transactions in order while simulating their
// effect, so every planned transaction is one the contract accepts.
type planner struct {
	rng      *rand.Rand
	seed     int64
	clock    time.Time
	day      int
	txs      []ledger.Tx
	products map[string]models.Product
	batches  map[string]*simBatch
	stock    []*simBatch // every batch, in creation order
	agenda   map[int][]func()
	seq      map[string]int // per-prefix counters for codes
	sum      Summary
	start    time.Time // day 0 of the history
	// refs rebuilds the arguments of transactions that name earlier
	// transactions by their IDs (usages and cases are named by the ID of
	// the transaction that recorded them, which the ledger chooses): the
	// function gets the ID of the transaction at each plan position.
	refs map[int]func(id func(pos int) string) any
	// noLocalNames leaves out names in other languages (a ledger before
	// contract.V4).
	noLocalNames bool
	// docs are the documents attached, by the plan position of their
	// AttachDocument transaction, for Generate to store their bytes.
	docs map[int]docFile
}

func newPlanner(seed int64, start time.Time) *planner {
	p := &planner{
		rng:      rand.New(rand.NewPCG(uint64(seed), 0x706c756d626c696e)), // "plumblin"
		seed:     seed,
		clock:    start,
		start:    start,
		products: map[string]models.Product{},
		batches:  map[string]*simBatch{},
		agenda:   map[int][]func(){},
		seq:      map[string]int{},
		refs:     map[int]func(func(int) string) any{},
		docs:     map[int]docFile{},
	}
	for _, pr := range Products() {
		p.products[pr.ID] = pr
	}
	return p
}

// emit appends a transaction by org's user with role, one step later on the clock.
func (p *planner) emit(org string, role models.Role, typ string, args any) {
	b, err := json.Marshal(args)
	if err != nil {
		panic(fmt.Sprintf("demo: encode %s args: %v", typ, err))
	}
	p.clock = p.clock.Add(time.Duration(3+p.rng.IntN(18))*time.Minute + time.Duration(p.rng.IntN(60))*time.Second)
	p.txs = append(p.txs, ledger.Tx{Type: typ, Args: b, Org: org, User: UserID(org, role), Role: role, Time: p.clock})
	p.sum.Types[typ]++
}

// startDay moves the clock to the morning of day d (0 = the start's date).
func (p *planner) startDay(d int) {
	p.day = d
	y, m, dd := p.start.Date()
	morning := time.Date(y, m, dd+d, 6, 30, 0, 0, p.start.Location())
	morning = morning.Add(time.Duration(p.rng.IntN(45)) * time.Minute)
	if morning.After(p.clock) {
		p.clock = morning
	}
}

// later schedules fn to run on day d (after today).
func (p *planner) later(days int, fn func()) {
	d := p.day + days
	p.agenda[d] = append(p.agenda[d], fn)
}

// runAgenda runs what was scheduled for today, in the order it was scheduled.
func (p *planner) runAgenda() {
	fns := p.agenda[p.day]
	delete(p.agenda, p.day)
	for _, fn := range fns {
		fn()
	}
}

// date is today's date as the contract's YYYY-MM-DD.
func (p *planner) date() string { return p.clock.Format(models.DateLayout) }

// next returns the next number in the sequence named key.
func (p *planner) next(key string) int {
	p.seq[key]++
	return p.seq[key]
}

// chance reports true with probability pct percent.
func (p *planner) chance(pct int) bool { return p.rng.IntN(100) < pct }

// between returns a decimal uniformly in [lo, hi] with the given decimals.
func (p *planner) between(lo, hi float64, decimals int) models.Decimal {
	step := 1
	for range decimals {
		step *= 10
	}
	a, b := int(lo*float64(step)+0.5), int(hi*float64(step)+0.5)
	v := a + p.rng.IntN(b-a+1)
	return models.Decimal(int64(v) * int64(models.DecimalScale/step))
}

// orgName is the name of the demo organization id.
func orgName(id string) string {
	for _, o := range Organizations() {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}

// add records a new batch in the simulation.
func (p *planner) add(b *simBatch) *simBatch {
	if _, dup := p.batches[b.code]; dup {
		panic("demo: batch code planned twice: " + b.code)
	}
	p.batches[b.code] = b
	p.stock = append(p.stock, b)
	p.sum.Batches++
	return b
}

// splitOff mirrors the contract's split of qty off src into src.N.
func (p *planner) splitOff(src *simBatch, qty models.Decimal) *simBatch {
	src.splits++
	child := *src
	child.code = fmt.Sprintf("%s.%d", src.code, src.splits)
	child.remaining = qty
	child.splits, child.children = 0, nil
	src.children = append(src.children, child.code)
	take(src, qty)
	return p.add(&child)
}

// take mirrors the contract's take.
func take(b *simBatch, qty models.Decimal) {
	b.remaining -= qty
	if b.remaining == 0 {
		b.status = models.StatusDepleted
	}
}

// ready reports whether b may be moved and used by holder.
func (b *simBatch) ready(holder string) bool {
	return b.holder == holder && b.status == models.StatusAvailable && b.usable && b.remaining > 0
}

// find returns the batches of product that holder may use at site, oldest first.
func (p *planner) find(holder, site, product string) []*simBatch {
	var out []*simBatch
	for _, b := range p.stock {
		if b.product == product && b.site == site && b.ready(holder) {
			out = append(out, b)
		}
	}
	return out
}

// prune drops finished batches from the stock list to keep lookups fast.
func (p *planner) prune() {
	kept := p.stock[:0]
	for _, b := range p.stock {
		if b.status == models.StatusDepleted || b.status == models.StatusRecalled || b.status == models.StatusRejected {
			continue
		}
		kept = append(kept, b)
	}
	clear(p.stock[len(kept):])
	p.stock = kept
}
