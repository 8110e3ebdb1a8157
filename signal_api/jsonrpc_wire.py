"""signal-cli's JSON-RPC wire format (signal-cli.md §5.2), with no dependency on either side.

Pure helpers shared by the simulator's daemon and the service's own ``daemon --http``
compatible endpoint (``signal_api.signalcli_http``): compact encoding, response objects and the
checks signal-cli's JsonRpcReader makes on a request before it looks at the method.
"""
from __future__ import annotations

import json
import re
from typing import Any

_TYPE_NAMES = {str: "STRING", int: "NUMBER", float: "NUMBER", bool: "BOOLEAN", type(None): "NULL"}
_TOP_LEVEL_KEYS = {"jsonrpc", "method", "params", "id"}
#: Methods whose params may be something other than an object.
_NON_OBJECT_PARAMS = frozenset({"unsubscribeReceive"})

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
METHOD_NOT_IMPLEMENTED = "Method not implemented"
_JSON_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


def dumps(obj: Any) -> str:
    """Compact single-line JSON, UTF-8 text kept as is (signal-cli's Jackson output)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def error_response(code: int, message: str, data: Any = None, rid: Any = None) -> dict[str, Any]:
    """``{"jsonrpc","error":{"code","message","data"},"id"}`` in signal-cli's key order."""
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message, "data": data}, "id": rid}


def result_response(result: Any, rid: Any) -> dict[str, Any]:
    """``{"jsonrpc","result","id"}``; a command that printed nothing answers ``{}``."""
    return {"jsonrpc": "2.0", "result": {} if result is None else result, "id": rid}


def parse_error_message(text: str) -> str:
    """A Jackson-like text for input that is not JSON."""
    stripped = text.lstrip()
    token = re.match(r"[^\s\[\]{}:,\"]+", stripped)
    column = len(text) - len(stripped) + (len(token.group(0)) if token else 1) + 1
    location = ("\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
                f"line: 1, column: {column}]")
    if token:
        return (f"Unrecognized token '{token.group(0)}': was expecting (JSON String, Number, Array, Object or "
                f"token 'null', 'true' or 'false'){location}")
    return f"Unexpected end-of-input: expected close marker for Object{location}"


def decode(text: str) -> tuple[Any, dict[str, Any] | None]:
    """The request value of ``text``, or the -32700 error response answering it."""
    if not text.strip():
        return None, error_response(PARSE_ERROR, "Empty input line")
    try:
        return json.loads(text), None
    except (ValueError, RecursionError):
        return None, error_response(PARSE_ERROR, parse_error_message(text))


def decode_body(text: str) -> tuple[Any, dict[str, Any] | None]:
    """An HTTP body as signal-cli's HTTP handler reads it, or the error response answering it.

    Unlike a line, a body is read as a stream: the first JSON value counts and whatever follows
    it is ignored; a body with no value is a request of type MISSING (-32600, not -32700).
    """
    start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
    if start == len(text):
        return None, error_response(INVALID_REQUEST, "unexpected type: MISSING")
    try:
        return _DECODER.raw_decode(text, start)[0], None
    except (ValueError, RecursionError):
        return None, error_response(PARSE_ERROR, _stream_parse_error_message(text, start))


def _stream_parse_error_message(text: str, start: int) -> str:
    # Jackson reads a bad token up to the first character that cannot be part of a Java
    # identifier, and has consumed that character too when it reports the column.
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] in "_$"):
        end += 1
    if end == start:
        return parse_error_message(text)
    column = end + 1 + (1 if end < len(text) else 0)
    return (f"Unrecognized token '{text[start:end]}': was expecting (JSON String, Number, Array, Object or "
            f"token 'null', 'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature."
            f"INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: {column}]")


# Jackson's texts when signal-cli's HTTP handler maps a body onto its request class.
_REQUEST_CLASS = "org.asamk.signal.jsonrpc.JsonRpcRequest"
_NO_LOCATION = "\n at [Source: UNKNOWN; byte offset: #UNKNOWN]"
_NODE = "com.fasterxml.jackson.databind.node."


def http_entry_error(item: Any) -> dict[str, Any] | None:
    """The error answering a batch entry that is not an object (None: it is one)."""
    if isinstance(item, dict):
        return None
    if isinstance(item, list):
        message = f"Cannot deserialize value of type `{_REQUEST_CLASS}` from Array value (token `JsonToken.START_ARRAY`)"
    else:
        kind, shown = _scalar_source(item)
        message = (f"Cannot construct instance of `{_REQUEST_CLASS}` (although at least one Creator exists): "
                   f"no {kind}-argument constructor/factory method to deserialize from {shown}")
    return error_response(INVALID_REQUEST, message + _NO_LOCATION)


def _scalar_source(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        return "boolean/Boolean", f"boolean value ({'true' if value else 'false'})"
    if isinstance(value, int):
        return ("int/Int" if -2**31 <= value < 2**31 else "long/Long"), f"Number value ({value})"
    if isinstance(value, float):
        return "double/Double", f"Number value ({value!r})"
    return "String", f"String value ('{value}')"


def http_request_error(req: dict[str, Any]) -> dict[str, Any] | None:
    """The -32600 error answering a request object of an HTTP body (None: it is a valid request)."""
    rid = req.get("id")
    if isinstance(rid, (dict, list)):
        return error_response(INVALID_REQUEST, _property_problem("id", "ValueNode", rid))
    unknown = [key for key in req if key not in _TOP_LEVEL_KEYS]
    if unknown:
        return error_response(INVALID_REQUEST, f'Unrecognized field "{unknown[0]}" (class {_REQUEST_CLASS}), '
                                               'not marked as ignorable (4 known properties: "method", "id", '
                                               f'"jsonrpc", "params"]){_NO_LOCATION} (through reference chain: '
                                               f'{_REQUEST_CLASS}["{unknown[0]}"])', rid=rid)
    params = req.get("params")
    if params is not None and not isinstance(params, (dict, list)):
        return error_response(INVALID_REQUEST, _property_problem("params", "ContainerNode<java.lang.Object>",
                                                                 params), rid=rid)
    version = req.get("jsonrpc")
    # Jackson turns the number 2.0 into the text "2.0".
    if not (version == "2.0" or (isinstance(version, float) and version == 2.0)):
        return error_response(INVALID_REQUEST, "only jsonrpc version 2.0 is supported", rid=rid)
    if req.get("method") is None:
        return error_response(INVALID_REQUEST, "method field must be set", rid=rid)
    return None


def http_array_params_error() -> str:
    """signal-cli's text for array params of a method that takes an object."""
    return ("Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.Object>` "
            f"from Array value (token `JsonToken.START_ARRAY`){_NO_LOCATION}")


def _property_problem(name: str, expected: str, value: Any) -> str:
    node = _node_type(value)
    field_type = expected.split("<", 1)[0]
    return (f"Problem deserializing property '{name}' (expected type: [simple type, class {_NODE}{expected}]; "
            f"actual type: `{_NODE}{node}`), problem: Can not set {_NODE}{field_type} field "
            f"{_REQUEST_CLASS}.{name} to {_NODE}{node}{_NO_LOCATION} (through reference chain: "
            f'{_REQUEST_CLASS}["{name}"])')


def _node_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BooleanNode"
    if isinstance(value, int):
        return "IntNode" if -2**31 <= value < 2**31 else "LongNode" if -2**63 <= value < 2**63 else "BigIntegerNode"
    if isinstance(value, float):
        return "DoubleNode"
    if isinstance(value, dict):
        return "ObjectNode"
    if isinstance(value, list):
        return "ArrayNode"
    return "TextNode"


def is_http_response(value: Any) -> bool:
    """True for a response object in an HTTP body (it has ``result`` or ``error``): ignored."""
    return isinstance(value, dict) and ("result" in value or "error" in value)


def is_response(value: Any) -> bool:
    """True for a response object sent to the server: signal-cli ignores it silently."""
    return isinstance(value, dict) and ("result" in value or "error" in value) and "method" not in value


def shape_error(req: Any) -> dict[str, Any] | None:
    """The -32600 error response for a value that is not a valid request (answered even without id)."""
    if not isinstance(req, dict):
        return error_response(INVALID_REQUEST, f"unexpected type: {_TYPE_NAMES.get(type(req), 'ARRAY')}")
    unknown = [key for key in req if key not in _TOP_LEVEL_KEYS]
    if unknown:
        return error_response(INVALID_REQUEST, f'Unrecognized field "{unknown[0]}" (class org.asamk.signal.'
                                               'jsonrpc.JsonRpcRequest), not marked as ignorable')
    rid = req.get("id")
    if isinstance(rid, (dict, list)):
        return error_response(INVALID_REQUEST, "Problem deserializing property 'id' (expected a value node)")
    if req.get("jsonrpc") != "2.0":
        return error_response(INVALID_REQUEST, "only jsonrpc version 2.0 is supported", rid=rid)
    if not isinstance(req.get("method"), str):
        return error_response(INVALID_REQUEST, "method field must be set", rid=rid)
    return None


def params_error(method: str, params: Any) -> str | None:
    """signal-cli's text when ``params`` cannot be the method's parameter object (a -32600)."""
    if params is None or isinstance(params, dict) or method in _NON_OBJECT_PARAMS:
        return None
    return ("Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.Object,java.lang.Object>` "
            "from Array value (token `JsonToken.START_ARRAY`)")
