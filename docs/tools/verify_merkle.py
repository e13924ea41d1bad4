#!/usr/bin/env python3
"""Independent check of Operation Timeline tree heads and Merkle proofs (docs/merkle-log.md).

Python 3 standard library only: RFC 9162 proof verification, and Ed25519
signature verification after the reference code of RFC 8032 section 6.

  python3 verify_merkle.py --public-key tree-head.pub.pem --head head.json \
      [--inclusion proof.json [--event event.json]] \
      [--consistency consistency.json --old-head old-head.json]
  python3 verify_merkle.py --public-key tree-head.pub.pem --export NAME.ndjson [NAME.manifest.json]

--head (and --old-head) take one signed head as JSON, or a file of JSON lines
(as the heads file is written): every head's signature is checked and the last
one is the head the proofs are checked against. --export checks an evidential
export against the tree head its manifest carries: the head's signature, and
every exported event's content against its hash and its hash against the head.
Exit 0 when everything holds, 1 otherwise, each problem on its own line.
"""
import argparse, base64, hashlib, json, sys

# --- Ed25519 verification (RFC 8032 section 6) ---------------------------------
P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

def _add(a, b):
    x = (a[1] - a[0]) * (b[1] - b[0]) % P
    y = (a[1] + a[0]) * (b[1] + b[0]) % P
    c = 2 * a[3] * b[3] * D % P
    d = 2 * a[2] * b[2] % P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f % P, g * h % P, f * g % P, e * h % P)

def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result

def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0

def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P)
    if x2 % P == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x

def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)

_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
BASE = (_GX, _GY, 1, _GX * _GY % P)

def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % Q
    return _equal(_mul(s, BASE), _add(r, _mul(h, a)))

# --- RFC 9162 Merkle proofs ---------------------------------------------------
def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()

def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()

def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root

def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 section 2.1.4.2."""
    if first < 1 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first & (first - 1) == 0:
        path = [first_root] + path
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root

# --- Heads, keys and events ---------------------------------------------------
SPKI_ED25519_PREFIX = bytes.fromhex("302a300506032b6570032100")

def public_key_of(pem_path):
    text = open(pem_path, encoding="ascii").read()
    body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 44 or not der.startswith(SPKI_ED25519_PREFIX):
        sys.exit(f"{pem_path}: not an Ed25519 public key (SPKI PEM)")
    return der[12:]

def heads_in(path):
    text = open(path, encoding="utf-8").read().strip()
    try:
        single = json.loads(text)
        return single if isinstance(single, list) else [single]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]

def head_problem(head, public):
    key_id = hashlib.sha256(public).hexdigest()
    if head.get("format") != "operation-timeline.tree-head.v1":
        return "not a tree head (format)"
    if head.get("keyId") != key_id:
        return f"signed with key {head.get('keyId')}, not the trusted key {key_id}"
    if not all(k in head for k in ("rootHash", "timestamp", "treeSize", "signature")):
        return "not a tree head (members missing)"
    signed = {k: head[k] for k in ("format", "keyId", "rootHash", "timestamp", "treeSize")}
    message = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if not ed25519_verify(public, message, bytes.fromhex(head.get("signature", ""))):
        return "signature does not verify"
    return None

class Number(str):
    """A number exactly as written (ECMAScript form, as the canonical JSON requires)."""

def canonical(value):
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(item) for item in value) + "]"
    return value if isinstance(value, Number) else json.dumps(value, ensure_ascii=False)

def event_hash(event):
    """The event's hash from its content, as an export's manifest states the rule."""
    envelope = {k: v for k, v in event.items() if k not in ("eventId", "type", "data", "position", "hash", "withheld")}
    covered = {"eventId": event["eventId"], "type": event["type"], "data": event["data"], "envelope": envelope}
    return hashlib.sha256(canonical(covered).encode("utf-8")).hexdigest()

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--public-key", required=True)
    parser.add_argument("--head")
    parser.add_argument("--export", nargs="+", metavar="FILE")
    parser.add_argument("--inclusion")
    parser.add_argument("--event")
    parser.add_argument("--consistency")
    parser.add_argument("--old-head")
    args = parser.parse_args()
    public = public_key_of(args.public_key)
    problems, notes = [], []
    if args.export:
        check_export(args.export, public, problems, notes)
    elif not args.head:
        sys.exit("give --head or --export")
    else:
        check_head_and_proofs(args, public, problems, notes)
    print("\n".join(problems) if problems else "OK: " + "\n    ".join(notes))
    sys.exit(1 if problems else 0)

def check_export(files, public, problems, notes):
    raw = open(files[0], "rb").read()
    if len(files) > 1:
        manifest = json.load(open(files[1], encoding="utf-8"))
    else:
        start = raw.rstrip(b"\n").rfind(b"\n") + 1
        raw, manifest = raw[:start], json.loads(raw[start:])["manifest"]
    inclusion = manifest.get("inclusion")
    if not inclusion:
        problems.append("the manifest carries no tree head")
        return
    head = inclusion["treeHead"]
    problem = head_problem(head, public)
    if problem:
        problems.append(f"the export's tree head: {problem}")
    root, proofs, proven, uncovered = bytes.fromhex(head["rootHash"]), inclusion["proofs"], 0, 0
    for number, line in enumerate(raw.decode("utf-8").split("\n")[:-1], 1):
        event = json.loads(line, parse_float=Number, parse_int=Number)
        if not event.get("withheld") and event_hash(event) != event["hash"]:
            problems.append(f"line {number}: the content of event {event['eventId']} does not give its hash")
        if proven < len(proofs) and proofs[proven]["eventId"] == event["eventId"]:
            proof = proofs[proven]
            path = [bytes.fromhex(h) for h in proof["auditPath"]]
            if not verify_inclusion(leaf_hash(bytes.fromhex(event["hash"])), proof["leafIndex"], head["treeSize"], path, root):
                problems.append(f"line {number}: event {event['eventId']} is not in the tree head")
            proven += 1
        else:
            uncovered += 1
    if proven != len(proofs) or uncovered != inclusion["notCovered"]:
        problems.append(f"{proven} of {len(proofs)} proofs used, {uncovered} events without one (the manifest says {inclusion['notCovered']})")
    notes.append(f"tree head: treeSize {head['treeSize']}, root {head['rootHash']}, {head['timestamp']}")
    notes.append(f"{proven} exported events are in it, {uncovered} were recorded after it")

def check_head_and_proofs(args, public, problems, notes):
    heads = heads_in(args.head)
    for number, head in enumerate(heads, 1):
        problem = head_problem(head, public)
        if problem:
            problems.append(f"head {number} (treeSize {head.get('treeSize')}): {problem}")
    head = heads[-1]
    notes.append(f"head: treeSize {head['treeSize']}, root {head['rootHash']}, {head['timestamp']}")
    root = bytes.fromhex(head["rootHash"])

    if args.inclusion:
        proof = json.load(open(args.inclusion, encoding="utf-8"))
        path = [bytes.fromhex(h) for h in proof["auditPath"]]
        if proof["treeSize"] != head["treeSize"]:
            problems.append(f"inclusion proof is for a tree of {proof['treeSize']}, the head has {head['treeSize']}")
        elif not verify_inclusion(leaf_hash(bytes.fromhex(proof["eventHash"])), proof["leafIndex"], proof["treeSize"], path, root):
            problems.append(f"inclusion proof of event {proof.get('eventId')} does not lead to the head's root")
        else:
            notes.append(f"event {proof.get('eventId')} is leaf {proof['leafIndex']} of the head's tree")
        if args.event:
            event = json.loads(open(args.event, encoding="utf-8").read(), parse_float=Number, parse_int=Number)
            if event_hash(event) != proof["eventHash"] or event.get("hash") != proof["eventHash"]:
                problems.append(f"event {event.get('eventId')}: its content does not give the proven hash")
            else:
                notes.append(f"event {event['eventId']}: its content gives the proven hash")

    if args.consistency:
        proof = json.load(open(args.consistency, encoding="utf-8"))
        if not args.old_head:
            sys.exit("--consistency needs --old-head")
        old_heads = heads_in(args.old_head)
        old = old_heads[-1]
        problem = head_problem(old, public)
        if problem:
            problems.append(f"old head (treeSize {old.get('treeSize')}): {problem}")
        if (proof["fromSize"], proof["toSize"]) != (old["treeSize"], head["treeSize"]):
            problems.append(f"consistency proof is from {proof['fromSize']} to {proof['toSize']}, not {old['treeSize']} to {head['treeSize']}")
        elif not verify_consistency(old["treeSize"], head["treeSize"], bytes.fromhex(old["rootHash"]), root, [bytes.fromhex(h) for h in proof["proof"]]):
            problems.append(f"the tree of {head['treeSize']} does not extend the tree of {old['treeSize']}: history was rewritten")
        else:
            notes.append(f"the tree of {head['treeSize']} extends the tree of {old['treeSize']}")

if __name__ == "__main__":
    main()
