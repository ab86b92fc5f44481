package fabric

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/plumbline/plumbline/ledger/chaincode/wire"
)

// blockTx is one valid Plumbline transaction found in a block.
type blockTx struct {
	index int // position in the block
	ev    wire.Event
}

// blockHeaderHash is Fabric's block hash: SHA-256 over the ASN.1 DER of
// the header's number, previous hash and data hash (protoutil.BlockHeaderHash).
func blockHeaderHash(h *common.BlockHeader) []byte {
	der, err := asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(h.GetNumber()), h.GetPreviousHash(), h.GetDataHash()})
	if err != nil {
		panic(err) // only big.Int and byte slices: cannot fail
	}
	sum := sha256.Sum256(der)
	return sum[:]
}

// blockDataHash is the hash a header commits to for its transactions.
func blockDataHash(d *common.BlockData) []byte {
	sum := sha256.Sum256(bytes.Join(d.GetData(), nil))
	return sum[:]
}

// validationCodes returns the per-transaction validation codes a committing
// peer stored in the block's metadata.
func validationCodes(b *common.Block) []byte {
	md := b.GetMetadata().GetMetadata()
	if int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) >= len(md) {
		return nil
	}
	return md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
}

// parseBlock returns the valid transactions in b that carry a Plumbline
// event of chaincode for namespace ns, in block order. Transactions that
// are not Plumbline's (configuration, other chaincodes) are skipped; a
// Plumbline event that cannot be read is an error.
func parseBlock(b *common.Block, chaincode, ns string) ([]blockTx, error) {
	codes := validationCodes(b)
	var out []blockTx
	for i, data := range b.GetData().GetData() {
		if i >= len(codes) || peer.TxValidationCode(codes[i]) != peer.TxValidationCode_VALID {
			continue
		}
		cev, txID := chaincodeEvent(data)
		if cev == nil || cev.GetChaincodeId() != chaincode || cev.GetEventName() != wire.EventName {
			continue
		}
		var ev wire.Event
		if err := json.Unmarshal(cev.GetPayload(), &ev); err != nil {
			return nil, fmt.Errorf("block %d transaction %s: read Plumbline event: %w", b.GetHeader().GetNumber(), txID, err)
		}
		if ev.Namespace != ns {
			continue
		}
		if ev.TxID != txID {
			return nil, fmt.Errorf("block %d: event of transaction %s names transaction %s", b.GetHeader().GetNumber(), txID, ev.TxID)
		}
		out = append(out, blockTx{index: i, ev: ev})
	}
	return out, nil
}

// chaincodeEvent digs the chaincode event out of an endorser transaction
// envelope; it returns nil for anything else.
func chaincodeEvent(data []byte) (*peer.ChaincodeEvent, string) {
	env := &common.Envelope{}
	payload := &common.Payload{}
	chdr := &common.ChannelHeader{}
	tx := &peer.Transaction{}
	if proto.Unmarshal(data, env) != nil || proto.Unmarshal(env.GetPayload(), payload) != nil ||
		proto.Unmarshal(payload.GetHeader().GetChannelHeader(), chdr) != nil ||
		chdr.GetType() != int32(common.HeaderType_ENDORSER_TRANSACTION) ||
		proto.Unmarshal(payload.GetData(), tx) != nil {
		return nil, ""
	}
	for _, action := range tx.GetActions() {
		cap := &peer.ChaincodeActionPayload{}
		prp := &peer.ProposalResponsePayload{}
		ca := &peer.ChaincodeAction{}
		cev := &peer.ChaincodeEvent{}
		if proto.Unmarshal(action.GetPayload(), cap) != nil ||
			proto.Unmarshal(cap.GetAction().GetProposalResponsePayload(), prp) != nil ||
			proto.Unmarshal(prp.GetExtension(), ca) != nil || len(ca.GetEvents()) == 0 ||
			proto.Unmarshal(ca.GetEvents(), cev) != nil {
			continue
		}
		return cev, chdr.GetTxId()
	}
	return nil, ""
}

// txInBlock reports the validation code of txID in block b, verifying that
// the header's data hash covers the block's transactions.
func txInBlock(b *common.Block, txID string) (peer.TxValidationCode, error) {
	if !bytes.Equal(blockDataHash(b.GetData()), b.GetHeader().GetDataHash()) {
		return 0, fmt.Errorf("block %d: transactions do not match the header's data hash", b.GetHeader().GetNumber())
	}
	codes := validationCodes(b)
	for i, data := range b.GetData().GetData() {
		env := &common.Envelope{}
		payload := &common.Payload{}
		chdr := &common.ChannelHeader{}
		if proto.Unmarshal(data, env) != nil || proto.Unmarshal(env.GetPayload(), payload) != nil ||
			proto.Unmarshal(payload.GetHeader().GetChannelHeader(), chdr) != nil {
			continue
		}
		if chdr.GetTxId() == txID {
			if i >= len(codes) {
				return 0, fmt.Errorf("block %d has no validation code for transaction %s", b.GetHeader().GetNumber(), txID)
			}
			return peer.TxValidationCode(codes[i]), nil
		}
	}
	return 0, fmt.Errorf("transaction %s is not in block %d", txID, b.GetHeader().GetNumber())
}
