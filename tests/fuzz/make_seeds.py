#!/usr/bin/env python3
"""Writes the committed seed corpora (tests/fuzz/corpus/<target>/) from the recorded upstream
fixtures (lib/sources/fixtures), the unit tests' vectors and config/streambridge.toml.
Run it again after changing the seeds below; scripts/fuzz.sh never writes to the corpus."""
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "lib/sources/fixtures"
OUT = ROOT / "tests/fuzz/corpus"


def fixture(rel):
    return (FIXTURES / rel).read_text(encoding="utf-8")


def compact(rel):
    return json.dumps(json.loads(fixture(rel)), separators=(",", ":"), ensure_ascii=False)


def write(target, seeds):
    d = OUT / target
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for s in seeds:
        b = s.encode("utf-8", "surrogateescape") if isinstance(s, str) else s
        (d / hashlib.sha1(b).hexdigest()[:16]).write_bytes(b)


OPEN3 = '0{"sid":"s","upgrades":[],"pingInterval":1000,"pingTimeout":500}'
OPEN4 = '0{"sid":"s","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000}'
TIP = compact("streamelements/event/tip.json")
TIP_LATEST = compact("streamelements/event_test/tip_latest.json")
FOLLOW_V = compact("velora/event/channel_follow.json")

write("fuzz_socketio_packet", [
    "2", "3probe", '42["event",{}]', OPEN3, OPEN4, '0{"sid":"x"}', "HTTP/1.1 400 Bad Request",
    '2["event",{"a":1}]', '2/ws/events,17["channel:getRewards"]', '3/ws/events,17[[{"id":"r"}]]',
    '0/ws/events,{"sid":"abc"}', "0/admin?token=x,", '51-["upload",{"_placeholder":true,"num":0}]',
    '4"Not authorized"', '4/ws/events,{"message":"Invalid token","data":{"code":401}}',
    '59999999-["a"]', ' [ "a,b" , {"x":[1,2,"]"]}, 3 ,"q\\"]" ] ', '"\\ud83d\\ude00 \\/ \\\\ \\""',
    '"\\ud800x"', '["caf\\u00e9\\n"]', "42[\"event\"," + TIP + "]", "42[\"event:test\"," + TIP_LATEST + "]",
    "435[true]", "41/ws/events,", "\x04\x01\x02",
])

write("fuzz_socketio_session", [
    "\n".join([OPEN3, "40", '42["event",' + TIP + "]", "t1000", "3", "a", '430[{"ok":true}]', "t3000"]),
    "\n".join([OPEN4, '40/ws/events,{"sid":"n1"}', '42/ws/events,["channel.follow",' + FOLLOW_V + "]",
               "2", "a", "t600", "e", "c"]),
    "\n".join([OPEN4, '40{"sid":"n1"}', '451-["upload",{"_placeholder":true,"num":0}]', "b\x01\x02",
               '452-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', "b\x04ab", "2probe"]),
    "\n".join([OPEN3, '44"Not authorized"']),
    "\n".join([OPEN4, '44/ws/events,{"message":"Invalid token","data":{"code":401}}']),
    "\n".join([OPEN3, "40/ws/events", '42/ws/events,3["event",' + TIP_LATEST + "]", "41/ws/events,", "1"]),
    "\n".join(["t20000"]),
    "\n".join([OPEN4, "6", "5", OPEN4, "40", "49999-[]", "b1", "b2"]),
])

# byte 0: how many split sizes follow (mod 16); then the sizes; then the stream.
def sse(sizes, stream):
    return bytes([len(sizes)]) + bytes(sizes) + (stream if isinstance(stream, bytes) else stream.encode("utf-8"))

write("fuzz_sse_parser", [
    sse([3, 1], "event: channel.follow\ndata: " + FOLLOW_V + "\nid: 41\n\n"),
    sse([1], "\ufeffdata: a\r\ndata: b\r\n\r\n: keepalive\r\nretry: 3000\r\n\r\n"),
    sse([0, 7], "id: 41\ndata: a\n\nid: 42\ndata: cut"),
    sse([2, 2, 5], "data:x\rdata\revent:\rid\x00\r\r"),
    sse([], "data: " + "y" * 80 + "\n\ndata: ok\n\n"),
    sse([1, 2, 3], "data: caf\u00e9 \U0001F600\n\n"),
    bytes([2, 1, 1]) + b"data: \xc3\n\xe2\x82\n\xf0\x9f\x98\n\xff\xfe\n\n",
])

write("fuzz_astro_session", [
    "\n".join(['{"id":"x","type":"response","nonce":"sb-2","data":{"message":"successfully subscribed"}}',
               '{"type":"response","nonce":"sb-1","data":{}}',
               '{"type":"message","topic":"channel.tips","room":"r","data":{"_id":"t1","donation":{"amount":5}}}',
               '{"type":"message","topic":"channel.activities","room":"r","data":' + TIP + "}",
               '{"type":"message","topic":"channel.chat.message","room":"r","data":{"msgId":"m1","nick":"viewer","text":"gg"}}']),
    '{"type":"response","nonce":"sb-1","error":"err_unauthorized","data":{"message":"invalid token"}}',
    '{"type":"response","nonce":"sb-2","error":"rate_limit_exceeded"}',
    "\n".join(['{"type":"response","nonce":"sb-3","error":"err_bad_request","data":{"message":"no such topic"}}',
               "not json", "[1]", '{"type":"hello"}', "t999", "t5"]),
    '{"type":"message","topic":"channel.tips","data":{"_id":"tip1","provider":"twitch","createdAt":"2025-05-03T05:02:43.949Z","donation":{"user":{"username":"SaraRira"},"amount":3,"currency":"BRL","message":"hi"}}}',
])

SE_EVENTS = ["event", "event:test", "event:update", "event:reset", "session:reset", "bot:counter",
             "channel.activities", "channel.tips", "channel.chat.message", "event:unknown-name", ""]
VELORA = len(SE_EVENTS)
# Every fixture but near-duplicates (the corpus stays small).
SKIP = {"message_reply", "subscriber_latest_community_2", "subscriber_latest_resub", "subscriber_latest_first",
        "community_gift_recipient_2", "subscriber_first"}
norm = []
for p in sorted((FIXTURES / "streamelements/event").glob("*.json")):
    if p.stem not in SKIP:
        norm.append(chr(0) + compact(p.relative_to(FIXTURES)))
for p in sorted((FIXTURES / "streamelements/event_test").glob("*.json")):
    if p.stem not in SKIP:
        norm.append(chr(1) + compact(p.relative_to(FIXTURES)))
for p in sorted((FIXTURES / "velora/event").glob("*.json")):
    norm.append(chr(VELORA) + compact(p.relative_to(FIXTURES)))
norm += [
    chr(VELORA) + fixture("velora/event/stream_online.json"),  # as it arrives: several lines
    chr(2) + '{"name":"follower-latest","data":{"name":"x"}}',
    chr(5) + '{"counter":"deaths","value":4}',
    chr(0) + '{"type":"charityCampaignDonation","provider":"twitch","_id":"x1","data":{"amount":5}}',
    chr(0) + '{"type":"tip","_id":7,"createdAt":"not a date","data":{"amount":"12.5","username":["x"],"message":null}}',
    chr(7) + '{"_id":"tip1","provider":"twitch","createdAt":"2025-05-03T05:02:43.949Z","donation":{"user":{"username":"SaraRira"},"amount":3,"currency":"BRL","message":"hi"}}',
    chr(8) + '{"msgId":"m1","nick":"viewer","text":"gg"}',
    chr(VELORA) + '{"event":"channel.poll.end","timestamp":"2026-02-10T12:00:00Z","data":{"pollId":"p1"}}',
    chr(VELORA) + '{"event":"something.new","timestamp":1770724800000,"data":{"x":[1,2]}}',
]
write("fuzz_normalizers", norm)

write("fuzz_config_loader", [
    (ROOT / "config/streambridge.toml").read_text(encoding="utf-8"),
    "",
    '[dedup]\nwindow = "3s"\nbundle_timeout = "800ms"\nid_horizon = "1h"\ngift_bundles = false\n',
    '[server]\ntoken_file = "token.txt"\nallowed_origins = ["https://x.example"]\njournal = "j.jsonl"\n'
    'journal_size = 4096\nslow_client = "close"\nmax_clients = 2\n',
    '[[source]]\nname = "se"\ntype = "streamelements"\ntransport = "astro"\ntoken_env = "FUZZ_TOKEN"\n'
    'topics = ["channel.activities"]\nkinds = ["tip", "follow"]\n\n[[udp]]\ntarget = "127.0.0.1:7481"\n'
    'kinds = ["tip"]\nmax_datagram = 512\n',
    '[[source]]\nname = "v"\ntype = "velora"\ntransport = "sse"\nurl = "https://api.velora.tv"\n'
    'token = "abc"\nevents = ["channel.follow"]\nidle_timeout = "90s"\nmax_line = 1024\nmax_event = 4096\n',
    '[[source]]\nname = "v2"\ntype = "velora"\nurl = "wss://api.velora.tv"\npath = "/socket.io/"\n'
    'namespace = "/ws/events"\neio = "4"\ntoken_file = "$CREDENTIALS_DIRECTORY/v"\n',
    '[log]\nlevel = "verbose"\n[server]\nport = 99999\nbnd = "x"\n',
    'a = { b = [ 1, 2.5, 1979-05-27T07:32:00Z, """multi\nline""", \'lit\' ] }\n[x.y.z]\n',
])

write("fuzz_local_api", [
    "GET /ws?kinds=tip ws\n\n\n\n" + '{"op":"subscribe","d":{"filter":{"kinds":["tip","follow"]},"since":0}}\n'
    + '{"op":"request","d":{"id":"h","type":"history","count":1,"filter":{"kinds":"follow"}}}\n'
    + '{"op":"request","d":{"id":"e","type":"emit","event":{"kind":"tip","amount":3,"user":"ann"}}}',
    "GET /ws ws\n\n\n\n" + '{"op":"identify","d":{"protocol":1,"token":"s3cret","since":0}}\n{nope\n',
    "GET /ws?token=s3cret&since=1&epoch=old&chat=1&test=only ws\nBearer s3cret\n\n\n"
    + '{"op":"request","d":{"id":7}}',
    "GET /events?kinds=tip,follow&lastEventId=1\n\nhttp://127.0.0.1:7480\n2\n",
    "POST /test?token=s3cret\n\nnull\n\n" + '{"kind":"tip","user":"you","amount":5,"message":"hi"}',
    "POST /test\nBearer s3cret\n\n\n" + '{"kind":"raid","user":"r","viewers":12}',
    "GET /status?token=s3cret\n", "GET /metrics\nBearer s3cret\n", "GET /healthz\n\nhttps://evil.example\n",
    "GET /overlay/alerts\n", "GET /ws?protocol=2 ws\n", "GET /ws?kinds=tipz ws\n",
    '{"op":"identify","d":{"protocol":1,"token":"t","filter":{"kinds":"tip,follow","sources":["a"],'
    '"platforms":"twitch","test":"0","chat":true},"since":5,"epoch":"e1"}}',
    "/events?kinds=tip%2Cfollow&test=1&sources=se+main#frag",
    '{"kinds":["tip"],"test":false,"chat":1}',
])

JOURNAL_HEADER = '{"streambridge":"journal","version":1,"epoch":"0123456789abcdef"}'
EV = '{"v":1,"seq":%d,"id":"x%d","source":"se","service":"streamelements","platform":"twitch","kind":"tip",' \
     '"test":false,"at":"2025-05-03T05:02:43.949Z","receivedAt":"2025-05-03T05:02:43.950Z",' \
     '"user":{"id":null,"login":"a","displayName":"A","avatar":null},"amount":3,"data":{}}'
write("fuzz_journal", [
    "\n".join([JOURNAL_HEADER] + [EV % (i, i) for i in range(1, 5)]) + "\n",
    "\n".join([JOURNAL_HEADER, EV % (5, 5), EV % (6, 6)]) + "\n\f" + "\n".join([JOURNAL_HEADER, EV % (1, 1), EV % (2, 2)]),
    "\n".join([JOURNAL_HEADER, EV % (3, 3), EV % (2, 2), '{"v":1,"seq":4,"kind":"tip"', EV % (7, 7)]),
    EV % (9, 9),
])

write("fuzz_json_reader", [
    '{"a":"x\\"y","n":5,"s":"12","b":false,"o":{"k":[1,"2",null]},"z":null}',
    "[" * 20 + "]" * 20, '{"exp":1767225600,"sub":"x"}', '{"exp":"soon"}', "[1,2", "{'a':1}",
    '{"n":-0.0,"e":1e308,"i":-9007199254740993,"u":18446744073709551615,"s":"\\ud83d\\ude00"}',
    TIP, FOLLOW_V,
])
# Twitch EventSub: the unit tests' fixtures (tests/unit/fixtures/twitch), one socket's script each.
TWITCH = ROOT / "tests/unit/fixtures/twitch"


def twitch(name):
    return json.dumps(json.loads((TWITCH / (name + ".json")).read_text(encoding="utf-8")), separators=(",", ":"))


TWITCH_NOTIFICATIONS = sorted(p.stem for p in TWITCH.glob("*.json") if not p.stem.startswith(("session_", "revocation")))
write("fuzz_twitch_eventsub", [
    "\n".join([twitch("session_welcome")] + [twitch(n) for n in TWITCH_NOTIFICATIONS]),
    "\n".join([twitch("session_welcome"), twitch("channel.cheer"), twitch("channel.cheer"), twitch("session_keepalive"),
               "t9000", twitch("session_reconnect"), "s", twitch("session_welcome"), twitch("channel.cheer"), "t20000"]),
    "\n".join([twitch("session_welcome"), twitch("revocation"), "c4003", "c4007", "c1006", "not json", "[1]", "{}",
                '{"metadata":{"message_type":"session_welcome"},"payload":{"session":{"id":"x","keepalive_timeout_seconds":-5}}}']),
    "\n".join([twitch("channel.follow"), "t10001"]),
    "\n".join([twitch("session_welcome"), twitch("channel.subscription.gift"), twitch("channel.subscribe.gift_recipient")]),
])

print("seed corpora written to", OUT)
