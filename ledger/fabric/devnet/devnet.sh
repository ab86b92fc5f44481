#!/usr/bin/env bash
# Plumbline's Fabric dev network: one Raft orderer, two organizations with
# one peer each, TLS on, loopback only, channel "materials", and the
# Plumbline chaincode (ledger/chaincode) running as a service next to each
# peer. In the style of fabric-samples' test-network-nano-bash, without
# Docker. It uses Fabric's release binaries from FABRIC_HOME:
#
#   $FABRIC_HOME/bin/{peer,orderer,configtxgen,osnadmin,cryptogen}
#   $FABRIC_HOME/config/{core.yaml,orderer.yaml}
#   $FABRIC_HOME/builders/ccaas/bin/{detect,build,release}
#
# Usage:
#   devnet.sh up   DIR   create everything in DIR (empty or missing) and start it
#   devnet.sh down DIR   stop every process started in DIR (by pid)
#   devnet.sh stop  DIR NAME   stop one process: orderer, peer1, peer2, cc1, cc2
#   devnet.sh start DIR NAME   start it again with its data
#   devnet.sh wait-leader DIR  wait until the orderer leads channel materials
#
# Ports: PORT_BASE (default 27050) + 0..2 orderer (listen, admin, operations),
# +10..13 peer1 (listen, chaincode, operations, chaincode service),
# +20..23 peer2 likewise. BATCH_TIMEOUT (default 250ms).
# CHAINCODE_BIN: a built plumbline-cc; when unset it is built with `go build`
# from this repository.
#
# After `up`, DIR/org1.env and DIR/org2.env hold PLUMBLINE_FABRIC_* settings
# for a Plumbline server of each organization.
set -euo pipefail

cmd=${1:-}
DIR=${2:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ -n "${FABRIC_HOME:-}" ] || die_early=1
if [ -n "${die_early:-}" ]; then echo "devnet: set FABRIC_HOME to a folder laid out like the Fabric release archive (bin/, config/, builders/ccaas/)" >&2; exit 1; fi
BIN=$FABRIC_HOME/bin
BASE=${PORT_BASE:-$(cat "$DIR/port_base" 2>/dev/null || echo 27050)}
BATCH_TIMEOUT=${BATCH_TIMEOUT:-250ms}
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
CHANNEL=materials
CC_NAME=plumbline

O_PORT=$BASE; O_ADMIN=$((BASE+1)); O_OPS=$((BASE+2))
peer_port()  { echo $((BASE + 10*$1)); }
cc_port()    { echo $((BASE + 10*$1 + 3)); }

log() { echo "devnet: $*" >&2; }
die() { log "$*"; exit 1; }

ORG_DOM() { echo "org$1.example.com"; }
crypto() { echo "$DIR/crypto"; }
O_TLS() { echo "$(crypto)/ordererOrganizations/example.com/orderers/orderer.example.com/tls"; }
P_DIR() { echo "$(crypto)/peerOrganizations/$(ORG_DOM "$1")/peers/peer0.$(ORG_DOM "$1")"; }
ADMIN_MSP() { echo "$(crypto)/peerOrganizations/$(ORG_DOM "$1")/users/Admin@$(ORG_DOM "$1")/msp"; }

check_home() {
  local f
  for f in bin/peer bin/orderer bin/configtxgen bin/osnadmin bin/cryptogen config/core.yaml config/orderer.yaml \
           builders/ccaas/bin/detect builders/ccaas/bin/build builders/ccaas/bin/release; do
    [ -e "$FABRIC_HOME/$f" ] || die "FABRIC_HOME=$FABRIC_HOME has no $f"
  done
}

# start_bg NAME CMD...: runs CMD in the background with its output in
# DIR/logs/NAME.log and its pid in DIR/pids/NAME.
start_bg() {
  local name=$1; shift
  mkdir -p "$DIR/logs" "$DIR/pids"
  "$@" >>"$DIR/logs/$name.log" 2>&1 &
  echo $! >"$DIR/pids/$name"
}

stop_one() {
  local pidf="$DIR/pids/$1" pid
  [ -f "$pidf" ] || return 0
  pid=$(cat "$pidf")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf"
}

wait_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  die "nothing listens on 127.0.0.1:$1 after 30 s (see $DIR/logs)"
}

gen_crypto() {
  cat >"$DIR/crypto-config.yaml" <<YAML
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    EnableNodeOUs: true
    Specs:
      - Hostname: orderer
        SANS: [localhost, 127.0.0.1]
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template: {Count: 1, SANS: [localhost, 127.0.0.1]}
    Users: {Count: 1}
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template: {Count: 1, SANS: [localhost, 127.0.0.1]}
    Users: {Count: 1}
YAML
  "$BIN/cryptogen" generate --config="$DIR/crypto-config.yaml" --output="$(crypto)" >/dev/null
}

org_yaml() {
  local n=$1
  cat <<ORG
  - &Org$n
    Name: Org${n}MSP
    ID: Org${n}MSP
    MSPDir: $(crypto)/peerOrganizations/$(ORG_DOM "$n")/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('Org${n}MSP.admin', 'Org${n}MSP.peer', 'Org${n}MSP.client')"}
      Writers: {Type: Signature, Rule: "OR('Org${n}MSP.admin', 'Org${n}MSP.client')"}
      Admins: {Type: Signature, Rule: "OR('Org${n}MSP.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('Org${n}MSP.peer')"}
    AnchorPeers: [{Host: 127.0.0.1, Port: $(peer_port "$n")}]
ORG
}

gen_channel() {
  local o orgs
  o=$(O_TLS)
  orgs="$(org_yaml 1)
$(org_yaml 2)"
  cat >"$DIR/configtx.yaml" <<YAML
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: $(crypto)/ordererOrganizations/example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins: {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
    OrdererEndpoints: [127.0.0.1:$O_PORT]
$orgs
Capabilities:
  Channel: &ChannelCapabilities {V3_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}
Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities: *ApplicationCapabilities
Orderer: &OrdererDefaults
  BatchTimeout: $BATCH_TIMEOUT
  BatchSize: {MaxMessageCount: 500, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 2 MB}
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities: *ChannelCapabilities
Profiles:
  Materials:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      OrdererType: etcdraft
      Organizations: [*OrdererOrg]
      Capabilities: *OrdererCapabilities
      EtcdRaft:
        Consenters:
          - {Host: 127.0.0.1, Port: $O_PORT, ClientTLSCert: $o/server.crt, ServerTLSCert: $o/server.crt}
        Options: {TickInterval: 200ms, ElectionTick: 10, HeartbeatTick: 1, MaxInflightBlocks: 5, SnapshotIntervalSize: 16 MB}
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1, *Org2]
      Capabilities: *ApplicationCapabilities
YAML
  FABRIC_CFG_PATH=$DIR "$BIN/configtxgen" -profile Materials -outputBlock "$DIR/$CHANNEL.block" -channelID $CHANNEL 2>"$DIR/logs/configtxgen.log" \
    || die "configtxgen failed: $(tail -3 "$DIR/logs/configtxgen.log")"
}

# Gossip intervals are short (1 s, default 5-25 s) so that the peers of the
# two organizations find each other within seconds of a (re)start; until
# they do, the gateway cannot satisfy the endorsement policy.

# peer_config N: a core.yaml for peer N. Fabric's sample points the VM
# endpoint at a Docker socket, and an empty environment variable does not
# override it, so the copy blanks it; the external builder is Fabric's ccaas.
peer_config() {
  local d="$DIR/peer$1"
  mkdir -p "$d"
  awk -v builders="$FABRIC_HOME/builders/ccaas" '
    /^  externalBuilders:/ { print; print "    - name: ccaas_builder"; print "      path: " builders; print "      propagateEnvironment:"; print "        - CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG"; skip=1; next }
    skip && /^    / { next }
    skip && /^ *$/ { next }
    { skip=0 }
    /^  endpoint: unix:\/\/\/var\/run\/docker.sock/ { print "  endpoint: \"\""; next }
    { print }' "$FABRIC_HOME/config/core.yaml" >"$d/core.yaml"
  grep -q 'endpoint: ""' "$d/core.yaml" || die "could not blank vm.endpoint in core.yaml"
}

start_orderer() {
  local o=$(O_TLS)
  FABRIC_CFG_PATH=$FABRIC_HOME/config \
  FABRIC_LOGGING_SPEC=info \
  ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT=$O_PORT \
  ORDERER_GENERAL_LOCALMSPID=OrdererMSP \
  ORDERER_GENERAL_LOCALMSPDIR="$(crypto)/ordererOrganizations/example.com/orderers/orderer.example.com/msp" \
  ORDERER_GENERAL_TLS_ENABLED=true ORDERER_GENERAL_TLS_PRIVATEKEY=$o/server.key \
  ORDERER_GENERAL_TLS_CERTIFICATE=$o/server.crt ORDERER_GENERAL_TLS_ROOTCAS="[$o/ca.crt]" \
  ORDERER_GENERAL_BOOTSTRAPMETHOD=none ORDERER_CHANNELPARTICIPATION_ENABLED=true \
  ORDERER_FILELEDGER_LOCATION="$DIR/data/orderer" \
  ORDERER_CONSENSUS_WALDIR="$DIR/data/orderer/etcdraft/wal" ORDERER_CONSENSUS_SNAPDIR="$DIR/data/orderer/etcdraft/snap" \
  ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:$O_OPS ORDERER_METRICS_PROVIDER=prometheus \
  ORDERER_ADMIN_LISTENADDRESS=127.0.0.1:$O_ADMIN ORDERER_ADMIN_TLS_ENABLED=true \
  ORDERER_ADMIN_TLS_CERTIFICATE=$o/server.crt ORDERER_ADMIN_TLS_PRIVATEKEY=$o/server.key \
  ORDERER_ADMIN_TLS_ROOTCAS="[$o/ca.crt]" ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$o/ca.crt]" \
    start_bg orderer "$BIN/orderer"
  wait_port "$O_ADMIN"
}

start_peer() {
  local n=$1 p d port
  p=$(P_DIR "$n"); d="$DIR/peer$n"; port=$(peer_port "$n")
  FABRIC_CFG_PATH=$d FABRIC_LOGGING_SPEC=info \
  CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE=$p/tls/server.crt CORE_PEER_TLS_KEY_FILE=$p/tls/server.key \
  CORE_PEER_TLS_ROOTCERT_FILE=$p/tls/ca.crt CORE_PEER_ID=peer0.$(ORG_DOM "$n") \
  CORE_PEER_ADDRESS=127.0.0.1:$port CORE_PEER_LISTENADDRESS=127.0.0.1:$port \
  CORE_PEER_CHAINCODEADDRESS=127.0.0.1:$((port+1)) CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:$((port+1)) \
  CORE_PEER_GOSSIP_BOOTSTRAP=127.0.0.1:$port CORE_PEER_GOSSIP_EXTERNALENDPOINT=127.0.0.1:$port \
  CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=5s CORE_PEER_GOSSIP_RECONNECTINTERVAL=1s \
  CORE_PEER_LOCALMSPID=Org${n}MSP CORE_PEER_MSPCONFIGPATH=$p/msp \
  CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:$((port+2)) \
  CORE_PEER_FILESYSTEMPATH="$d/data" CORE_LEDGER_SNAPSHOTS_ROOTDIR="$d/data/snapshots" \
  CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG="{\"ccport\":\"$(cc_port "$n")\"}" \
    start_bg "peer$n" "$BIN/peer" node start
  wait_port "$port"
}

# as_admin N CMD...: runs a peer CLI command as org N's admin against its peer.
as_admin() {
  local n=$1; shift
  FABRIC_CFG_PATH=$DIR/peer$n CORE_PEER_TLS_ENABLED=true CORE_PEER_LOCALMSPID=Org${n}MSP \
  CORE_PEER_TLS_ROOTCERT_FILE="$(P_DIR "$n")/tls/ca.crt" CORE_PEER_MSPCONFIGPATH="$(ADMIN_MSP "$n")" \
  CORE_PEER_ADDRESS=127.0.0.1:$(peer_port "$n") "$@"
}

start_cc() {
  local n=$1
  [ -f "$DIR/package_id" ] || die "no chaincode installed yet"
  CHAINCODE_SERVER_ADDRESS=127.0.0.1:$(cc_port "$n") CHAINCODE_ID=$(cat "$DIR/package_id") \
    start_bg "cc$n" "$DIR/plumbline-cc"
  wait_port "$(cc_port "$n")"
}

wait_leader() {
  for _ in $(seq 600); do
    if curl -sf "http://127.0.0.1:$O_OPS/metrics" 2>/dev/null | grep -q "^consensus_etcdraft_is_leader{channel=\"$CHANNEL\"} 1"; then
      return 0
    fi
    sleep 0.1
  done
  die "the orderer did not become Raft leader of $CHANNEL within 60 s (see $DIR/logs/orderer.log)"
}

deploy_cc() {
  local o=$(O_TLS) pkg="$DIR/cc" id
  if [ -n "${CHAINCODE_BIN:-}" ]; then
    cp "$CHAINCODE_BIN" "$DIR/plumbline-cc"
  else
    (cd "$REPO" && go build -o "$DIR/plumbline-cc" ./ledger/chaincode/cmd/plumbline-cc)
  fi
  mkdir -p "$pkg"
  # Each peer reaches its own chaincode process: the port is templated
  # from the peer's CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG.
  echo '{"address":"127.0.0.1:{{.ccport}}","dial_timeout":"10s","tls_required":false}' >"$pkg/connection.json"
  echo "{\"type\":\"ccaas\",\"label\":\"${CC_NAME}_1\"}" >"$pkg/metadata.json"
  tar -C "$pkg" -czf "$pkg/code.tar.gz" connection.json
  tar -C "$pkg" -czf "$DIR/$CC_NAME.tgz" metadata.json code.tar.gz
  for n in 1 2; do as_admin "$n" "$BIN/peer" lifecycle chaincode install "$DIR/$CC_NAME.tgz" >>"$DIR/logs/lifecycle.log" 2>&1 \
    || die "chaincode install on peer$n failed: $(tail -3 "$DIR/logs/lifecycle.log")"; done
  id=$(as_admin 1 "$BIN/peer" lifecycle chaincode calculatepackageid "$DIR/$CC_NAME.tgz")
  echo "$id" >"$DIR/package_id"
  start_cc 1; start_cc 2
  for n in 1 2; do
    as_admin "$n" "$BIN/peer" lifecycle chaincode approveformyorg -o 127.0.0.1:$O_PORT --tls --cafile "$o/ca.crt" \
      --channelID $CHANNEL --name $CC_NAME --version 1 --package-id "$id" --sequence 1 >>"$DIR/logs/lifecycle.log" 2>&1 \
      || die "approveformyorg for org$n failed: $(tail -3 "$DIR/logs/lifecycle.log")"
  done
  as_admin 1 "$BIN/peer" lifecycle chaincode commit -o 127.0.0.1:$O_PORT --tls --cafile "$o/ca.crt" \
    --channelID $CHANNEL --name $CC_NAME --version 1 --sequence 1 \
    --peerAddresses 127.0.0.1:$(peer_port 1) --tlsRootCertFiles "$(P_DIR 1)/tls/ca.crt" \
    --peerAddresses 127.0.0.1:$(peer_port 2) --tlsRootCertFiles "$(P_DIR 2)/tls/ca.crt" >>"$DIR/logs/lifecycle.log" 2>&1 \
    || die "chaincode commit failed: $(tail -3 "$DIR/logs/lifecycle.log")"
}

write_env() {
  local n user
  for n in 1 2; do
    user="$(crypto)/peerOrganizations/$(ORG_DOM "$n")/users/User1@$(ORG_DOM "$n")/msp"
    cat >"$DIR/org$n.env" <<ENV
PLUMBLINE_LEDGER=fabric
PLUMBLINE_FABRIC_MSP_ID=Org${n}MSP
PLUMBLINE_FABRIC_CERT=$user/signcerts/User1@$(ORG_DOM "$n")-cert.pem
PLUMBLINE_FABRIC_KEY=$(ls "$user"/keystore/*_sk)
PLUMBLINE_FABRIC_TLS_CA=$(P_DIR "$n")/tls/ca.crt
PLUMBLINE_FABRIC_PEER=127.0.0.1:$(peer_port "$n")
PLUMBLINE_FABRIC_PEER_HOST=peer0.$(ORG_DOM "$n")
PLUMBLINE_FABRIC_CHANNEL=$CHANNEL
PLUMBLINE_FABRIC_CHAINCODE=$CC_NAME
ENV
  done
}

up() {
  check_home
  [ -z "$(ls -A "$DIR" 2>/dev/null)" ] || die "$DIR is not empty; use a fresh folder (or 'down' and remove it)"
  mkdir -p "$DIR/logs"
  echo "$BASE" >"$DIR/port_base"
  local t0=$SECONDS o
  gen_crypto; gen_channel
  peer_config 1; peer_config 2
  start_orderer
  o=$(O_TLS)
  "$BIN/osnadmin" channel join --channelID $CHANNEL --config-block "$DIR/$CHANNEL.block" -o 127.0.0.1:$O_ADMIN \
    --ca-file "$o/ca.crt" --client-cert "$o/server.crt" --client-key "$o/server.key" >>"$DIR/logs/osnadmin.log" 2>&1 \
    || die "osnadmin channel join failed: $(tail -3 "$DIR/logs/osnadmin.log")"
  start_peer 1; start_peer 2
  for n in 1 2; do as_admin "$n" "$BIN/peer" channel join -b "$DIR/$CHANNEL.block" >>"$DIR/logs/join.log" 2>&1 \
    || die "peer$n channel join failed: $(tail -3 "$DIR/logs/join.log")"; done
  wait_leader
  deploy_cc
  write_env
  log "up in $((SECONDS - t0)) s: channel $CHANNEL, peers 127.0.0.1:$(peer_port 1) and :$(peer_port 2); settings in $DIR/org1.env, $DIR/org2.env"
}

down() {
  local n
  for n in cc1 cc2 peer1 peer2 orderer; do stop_one "$n"; done
}

case $cmd in
  up) up ;;
  down) down ;;
  stop) stop_one "${3:?name}" ;;
  start)
    case ${3:?name} in
      orderer) start_orderer ;;
      peer1) start_peer 1 ;; peer2) start_peer 2 ;;
      cc1) start_cc 1 ;; cc2) start_cc 2 ;;
      *) die "unknown process $3" ;;
    esac ;;
  wait-leader) wait_leader ;;
  *) die "unknown command $cmd (up, down, stop, start, wait-leader)" ;;
esac
