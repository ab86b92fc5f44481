// Package fabric is the Hyperledger Fabric backend of ledger.Ledger: it
// submits transactions through fabric-gateway to Plumbline's chaincode
// (ledger/chaincode), which runs the same ledger/contract as the embedded
// ledger, and reads committed transactions back from the peer's block
// stream for the projector.
//
// One shared gRPC connection with TLS carries everything. Submissions that
// lose an MVCC read conflict are endorsed again (bounded, with backoff), so
// no transaction is lost to contention. Sequence numbers are assigned on
// this side in block order (see index.go) and persisted in an index file,
// so a restarted server resumes exactly. Evidence is the transaction ID,
// block number and block hash; see README.md for running a consortium.
package fabric

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/chaincode/wire"
	"github.com/plumbline/plumbline/models"
)

// Ledger is a ledger.Ledger on a Fabric channel.
type Ledger struct {
	cfg      Config
	conn     *grpc.ClientConn
	gw       *client.Gateway
	network  *client.Network
	contract *client.Contract
	qscc     *client.Contract
	idx      *index

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	stats  Stats
}

// Stats counts what Submit had to do beyond one attempt.
type Stats struct {
	Submitted     uint64 // transactions committed by this ledger
	Attempts      uint64 // endorsements made, first attempts included
	MVCCConflicts uint64 // endorsements repeated after an MVCC or phantom read conflict
	// Conflicted counts transactions (committed or not) that hit at least
	// one MVCC or phantom read conflict: Conflicted/Submitted is the share
	// of transactions a client without retries would have lost.
	Conflicted uint64
	// EndorseMismatch counts endorsements repeated because the peers
	// returned different results (one had committed a block the other had not).
	EndorseMismatch uint64
	Unavailable     uint64 // attempts repeated because a peer or the orderer was unavailable
}

// Open connects to the peer in cfg, loads the event index and starts
// reading blocks. It does not wait for the peer: an unreachable peer makes
// the first calls fail with ledger.ErrUnavailable.
func Open(ctx context.Context, cfg Config) (*Ledger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	id, sign, pool, err := cfg.credentials()
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(cfg.PeerEndpoint, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, cfg.PeerHostOverride)))
	if err != nil {
		return nil, fmt.Errorf("grpc client for %s: %w", cfg.PeerEndpoint, err)
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithHash(hash.SHA256), client.WithClientConnection(conn),
		client.WithEvaluateTimeout(cfg.EvaluateTimeout), client.WithEndorseTimeout(cfg.EndorseTimeout),
		client.WithSubmitTimeout(cfg.SubmitTimeout), client.WithCommitStatusTimeout(cfg.CommitStatusTimeout))
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("connect gateway: %w", err)
	}
	idx, err := openIndex(cfg.IndexPath, &cfg)
	if err != nil {
		_ = gw.Close()
		_ = conn.Close()
		return nil, err
	}
	network := gw.GetNetwork(cfg.Channel)
	l := &Ledger{cfg: cfg, conn: conn, gw: gw, network: network, idx: idx,
		contract: network.GetContract(cfg.Chaincode), qscc: network.GetContract("qscc")}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Go(l.readBlocks)
	return l, nil
}

// Close stops reading blocks and closes the connection. Calls in flight
// end with ledger.ErrClosed or a cancelled context.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	l.wg.Wait()
	return errors.Join(l.gw.Close(), l.conn.Close(), l.idx.close())
}

func (l *Ledger) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Stats returns the submission counters.
func (l *Ledger) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// readBlocks feeds the index from the peer's block stream, reconnecting
// after outages and reporting them once each.
func (l *Ledger) readBlocks() {
	log := l.cfg.Logger.With("peer", l.cfg.PeerEndpoint, "channel", l.cfg.Channel)
	backoff := 100 * time.Millisecond
	for l.ctx.Err() == nil {
		_, next, _, _ := l.idx.snapshot()
		err := l.stream(next)
		if l.ctx.Err() != nil {
			return
		}
		_, now, wasDown, _ := l.idx.snapshot()
		if now > next {
			backoff = 100 * time.Millisecond // it made progress: retry soon
		}
		if wasDown == nil {
			log.Warn("fabric: block stream from the peer is down; retrying", "next_block", now, "err", err)
		}
		l.idx.setDown(fmt.Errorf("block stream from peer %s is down at block %d: %v: %w", l.cfg.PeerEndpoint, now, err, ledger.ErrUnavailable))
		select {
		case <-l.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// stream reads blocks from next until the stream ends.
func (l *Ledger) stream(next uint64) error {
	ctx, cancel := context.WithCancel(l.ctx)
	defer cancel()
	blocks, err := l.network.BlockEvents(ctx, client.WithStartBlock(next))
	if err != nil {
		return err
	}
	up := false
	for b := range blocks {
		if !up {
			up = true
			if _, _, down, _ := l.idx.snapshot(); down != nil {
				l.cfg.Logger.Info("fabric: block stream from the peer is back", "peer", l.cfg.PeerEndpoint, "block", b.GetHeader().GetNumber())
			}
		}
		txs, err := parseBlock(b, l.cfg.Chaincode, l.cfg.Namespace)
		if err != nil {
			return err
		}
		ids := make([]string, len(txs))
		for i, t := range txs {
			ids[i] = t.ev.TxID
		}
		if err := l.idx.add(b.GetHeader().GetNumber(), blockHeaderHash(b.GetHeader()), ids); err != nil {
			return err
		}
	}
	return errors.New("stream ended")
}

// height asks the peer for the channel's height.
func (l *Ledger) height(ctx context.Context) (uint64, error) {
	out, err := l.qscc.EvaluateWithContext(ctx, "GetChainInfo", client.WithArguments(l.cfg.Channel))
	if err != nil {
		return 0, classify(err)
	}
	info := &common.BlockchainInfo{}
	if err := proto.Unmarshal(out, info); err != nil {
		return 0, fmt.Errorf("read chain info: %w", err)
	}
	return info.GetHeight(), nil
}

// sync waits until the index has read every block the peer has now.
func (l *Ledger) sync(ctx context.Context) error {
	if l.isClosed() {
		return ledger.ErrClosed
	}
	h, err := l.height(ctx)
	if err != nil {
		return err
	}
	return l.idx.waitBlock(ctx, h)
}

// Head returns the number of committed Plumbline transactions, after
// reading every block the peer has committed.
func (l *Ledger) Head(ctx context.Context) (uint64, error) {
	if err := l.sync(ctx); err != nil {
		return 0, err
	}
	head, _, _, _ := l.idx.snapshot()
	return head, nil
}

// State reads key's current value through the chaincode.
func (l *Ledger) State(ctx context.Context, key string) ([]byte, error) {
	if l.isClosed() {
		return nil, ledger.ErrClosed
	}
	out, err := l.contract.EvaluateWithContext(ctx, wire.FnState, client.WithArguments(l.cfg.Namespace, key))
	if err != nil {
		return nil, classify(err)
	}
	return out, nil
}

// Checkpoint returns the ledger's size with the block that holds its last
// transaction and that block's header hash. Fabric's orderers sign every
// block and each header chains to the previous one, so the hash pins the
// whole history up to that point; the Note is a plain-text statement of
// these facts, not a signature of this server (see README.md).
func (l *Ledger) Checkpoint(ctx context.Context) (ledger.Checkpoint, error) {
	head, err := l.Head(ctx)
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	cp := ledger.Checkpoint{Size: head, Time: time.Now().UTC()}
	var block uint64
	if head > 0 {
		e, h, _ := l.idx.entry(head)
		block, cp.Root = e.block, h
	}
	ns := l.cfg.Namespace
	if ns == "" {
		ns = "-"
	}
	cp.Note = fmt.Sprintf("plumbline fabric checkpoint\nchannel %s\nchaincode %s\nnamespace %s\nsize %d\nblock %d\nblock hash %x\n",
		l.cfg.Channel, l.cfg.Chaincode, ns, head, block, cp.Root)
	return cp, nil
}

// Evidence returns the transaction ID, block number and block hash of
// event seq, with the current checkpoint.
func (l *Ledger) Evidence(ctx context.Context, seq uint64) (ledger.Evidence, error) {
	if l.isClosed() {
		return ledger.Evidence{}, ledger.ErrClosed
	}
	e, h, ok := l.idx.entry(seq)
	if !ok {
		if err := l.sync(ctx); err != nil {
			return ledger.Evidence{}, err
		}
		if e, h, ok = l.idx.entry(seq); !ok {
			return ledger.Evidence{}, models.NotFound("seq", "no transaction %d on this ledger", seq)
		}
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return ledger.Evidence{}, err
	}
	return ledger.Evidence{Kind: ledger.EvidenceFabric, Seq: seq, TxID: e.txID, Block: e.block, BlockHash: h, Checkpoint: cp}, nil
}

// VerifyEvidence fetches ev's block from the peer and checks that its
// header hashes to ev.BlockHash, that its transactions match the header,
// and that ev.TxID is in it and valid.
func (l *Ledger) VerifyEvidence(ctx context.Context, ev ledger.Evidence) error {
	if ev.Kind != ledger.EvidenceFabric {
		return fmt.Errorf("evidence kind %q is not %q", ev.Kind, ledger.EvidenceFabric)
	}
	out, err := l.qscc.EvaluateWithContext(ctx, "GetBlockByNumber", client.WithArguments(l.cfg.Channel, fmt.Sprint(ev.Block)))
	if err != nil {
		return classify(err)
	}
	b := &common.Block{}
	if err := proto.Unmarshal(out, b); err != nil {
		return fmt.Errorf("read block %d: %w", ev.Block, err)
	}
	if got := blockHeaderHash(b.GetHeader()); string(got) != string(ev.BlockHash) {
		return fmt.Errorf("block %d hashes to %x, evidence says %x: %w", ev.Block, got, ev.BlockHash, models.ErrTampered)
	}
	code, err := txInBlock(b, ev.TxID)
	if err != nil {
		return fmt.Errorf("%w: %w", err, models.ErrTampered)
	}
	if code.String() != "VALID" {
		return fmt.Errorf("transaction %s in block %d is %s, not valid: %w", ev.TxID, ev.Block, code, models.ErrTampered)
	}
	return nil
}

// VerifyEvent checks that ev is the evidence of event e: same sequence
// number, transaction and block. With Ledger.VerifyEvidence it proves e.
func VerifyEvent(ev ledger.Evidence, e ledger.Event) error {
	if ev.Kind != ledger.EvidenceFabric || ev.Seq != e.Seq || ev.TxID != e.TxID || ev.Block != e.Block || len(ev.BlockHash) != 32 {
		return fmt.Errorf("evidence {seq %d tx %s block %d} is not that of event {seq %d tx %s block %d}", ev.Seq, ev.TxID, ev.Block, e.Seq, e.TxID, e.Block)
	}
	return nil
}
