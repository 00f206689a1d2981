"""A minimal LangChain chat model over llama-cpp-python, with tool calling, for the peer.

The peer (``evals/peer.py``) is LangGraph's reference supervisor, which expects a chat
model that implements ``bind_tools`` and answers with ``AIMessage.tool_calls``. This is
that model for a local GGUF (by default the bundled SmolLM2-135M-Instruct, loaded the
way Chuhai loads it: same file, ``n_threads``, ``n_ctx``, ``max_tokens``, greedy).

How a call with tools works (llama-cpp-python's ``chatml-function-calling`` design, with
three of its defects fixed; the built-in handler cannot run a ReAct loop here):

1. The prompt is the GGUF's own chat template over the conversation. The system message
   gets the tool list in that handler's format (``/* description */``,
   ``functions.<name>:`` and the JSON schema of the arguments) and its instructions:
   answer with ``message:`` or with ``functions.<name>:`` followed by JSON arguments.
   Fixed: the built-in template leaves out tool descriptions and drops ``tool``
   messages, so a ReAct agent never sees a tool result; here both are rendered.
2. A GBNF grammar makes the model choose between ``message:`` and
   ``functions.<one of the bound tools>:`` (one short completion, greedy).
3. For a tool, the arguments are generated under a grammar made from the tool's JSON
   schema (minus ``pattern`` and length bounds, which llama-cpp-python 0.3.36 renders
   wrongly or slowly: ``call_tool`` still validates them) and parsed into a tool call.
   For a message, the text is generated freely up to ``max_tokens``. Fixed: the
   built-in handler constrains that text with its follow-up grammar, so every text
   answer comes back empty.

One tool call per answer (``parallel_tool_calls`` is accepted and ignored: the ReAct
loop calls the model again). Every ``_generate`` is one *LLM call* in the counters (a
call spends two llama completions, like the built-in handler); its seconds are timed.
A prompt that would not fit the context window keeps the system message and the first
user message and drops the oldest of the rest (counted in ``trimmed``).
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, PrivateAttr

TOOL_RESULT_MAX_CHARS = 1500
_SCHEMA_DROP = {"title", "pattern", "maxLength", "minLength", "maxItems", "minItems", "default",
                "examples", "format", "$schema"}

INSTRUCTIONS = (
    "\n\nYou can respond to users messages with either a single message or a function call."
    "\n\nTo respond with a message begin the message with 'message:', use the following format:"
    "\n\nmessage:\n<message>"
    "\n\nTo respond with a function call begin the message with 'functions.<function_name>:', "
    "use the following format:"
    "\n\nfunctions.<function_name>:\n{ \"arg1\": \"value1\", \"arg2\": \"value2\" }"
)


# -- the completion backend: real llama.cpp, or a scripted one in tests -----------------------
class Completion(Protocol):
    def render(self, messages: list[dict]) -> str: ...
    def count_tokens(self, text: str) -> int: ...
    def complete(self, prompt: str, *, grammar: str | None, max_tokens: int, stop: list[str]) -> str: ...


def chatml(messages: list[dict]) -> str:
    """SmolLM2's chat template (ChatML), for backends without a GGUF."""
    body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"


class LlamaCompletion:
    """llama_cpp.Llama, loaded on first use, one call at a time (it is not thread-safe), with
    llama-cpp-python's prompt-prefix state cache (``LlamaRAMCache``) unless ``cache_bytes=0``."""

    def __init__(self, model_path: str | None = None, *, n_threads: int = 1, n_ctx: int = 2048,
                 cache_bytes: int = 1 << 30):
        self.model_path, self.n_threads, self.n_ctx = model_path, n_threads, n_ctx
        self.cache_bytes = cache_bytes
        self._llama: Any = None
        self._formatter: Any = None
        self._grammars: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.load_s: float | None = None

    @property
    def llama(self) -> Any:
        if self._llama is None:
            import llama_cpp
            from llama_cpp import llama_chat_format

            from llm.bundled import bundled_model_path

            t0 = time.perf_counter()
            path = self.model_path or str(bundled_model_path())
            self._llama = llama_cpp.Llama(model_path=path, n_threads=self.n_threads,
                                          n_threads_batch=self.n_threads, n_ctx=self.n_ctx, verbose=False)
            if self.cache_bytes:
                # states by prompt prefix: the supervisor's and the support agent's long system
                # prompts are evaluated once, not again each time the other one has run
                self._llama.set_cache(llama_cpp.LlamaRAMCache(capacity_bytes=self.cache_bytes))
            template = self._llama.metadata.get("tokenizer.chat_template")
            if template:
                self._formatter = llama_chat_format.Jinja2ChatFormatter(
                    template=template, eos_token="<|im_end|>", bos_token="<|im_start|>")
            self.load_s = time.perf_counter() - t0
        return self._llama

    def render(self, messages: list[dict]) -> str:
        self.llama  # noqa: B018  (loads the template)
        if self._formatter is None:
            return chatml(messages)
        return self._formatter(messages=messages).prompt

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def complete(self, prompt: str, *, grammar: str | None, max_tokens: int, stop: list[str]) -> str:
        from llama_cpp import LlamaGrammar

        g = None
        if grammar is not None:
            g = self._grammars.get(grammar)
            if g is None:
                g = self._grammars[grammar] = LlamaGrammar.from_string(grammar, verbose=False)
        out = self.llama.create_completion(prompt=prompt, max_tokens=max_tokens, temperature=0.0,
                                           stop=stop, grammar=g)
        return out["choices"][0]["text"]


# -- prompt rendering and grammars (pure functions, tested without a model) ---------------------
def clean_schema(schema: Any) -> Any:
    """The arguments schema shown to the model and turned into a grammar: no titles,
    patterns or length bounds (validation stays with the tool)."""
    if isinstance(schema, dict):
        return {k: clean_schema(v) for k, v in schema.items() if k not in _SCHEMA_DROP}
    if isinstance(schema, list):
        return [clean_schema(v) for v in schema]
    return schema


def tools_block(tools: Sequence[dict]) -> str:
    lines = ["\n\nYou have access to the following functions:\n"]
    for t in tools:
        fn = t["function"]
        if fn.get("description"):
            lines.append(f"\n/* {fn['description'].strip()} */")
        params = clean_schema(fn.get("parameters") or {"type": "object", "properties": {}})
        lines.append(f"\nfunctions.{fn['name']}:\n{json.dumps(params, ensure_ascii=False, separators=(',', ':'))}\n")
    return "".join(lines) + INSTRUCTIONS


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(block.get("text", ""))
    return "".join(parts)


_EMPTY_INLINE = re.compile(r"<name>[^<]*</name><content>\s*</content>")


def to_chat_dicts(messages: Sequence[BaseMessage], tools: Sequence[dict] | None) -> list[dict]:
    """LangChain messages -> role/content dicts for the chat template. Systems merge into
    one first message (with the tool block); tool calls and results are rendered as text."""
    system = "\n\n".join(_text(m.content) for m in messages if isinstance(m, SystemMessage))
    if tools:
        system = (system or "You are a helpful assistant.") + tools_block(tools)
    out: list[dict] = [{"role": "system", "content": system}] if system else []
    for m in messages:
        if isinstance(m, SystemMessage):
            continue
        if isinstance(m, HumanMessage):
            out.append({"role": "user", "content": _text(m.content)})
        elif isinstance(m, AIMessage):
            text = _text(m.content).strip()
            if _EMPTY_INLINE.fullmatch(text):
                text = ""  # include_agent_name="inline" wraps empty content too
            parts = [("message:\n" + text) if (tools and text) else text] if text else []
            parts += [f"functions.{c['name']}:\n{json.dumps(c['args'], ensure_ascii=False)}" for c in m.tool_calls]
            out.append({"role": "assistant", "content": "\n".join(parts)})
        elif isinstance(m, ToolMessage):
            text = _text(m.content)
            if len(text) > TOOL_RESULT_MAX_CHARS:
                text = text[:TOOL_RESULT_MAX_CHARS] + " ...(truncated)"
            out.append({"role": "tool", "content": text})
        else:
            out.append({"role": "user", "content": _text(m.content)})
    return out


def _gbnf_literal(s: str) -> str:
    return json.dumps(s)  # a JSON string literal is a valid GBNF string literal


def choice_grammar(tool_names: Sequence[str], *, allow_message: bool = True) -> str:
    """Step 2: ``message:`` or ``functions.<name>:`` for one of the bound tools."""
    alts = [_gbnf_literal(f"functions.{n}:") for n in tool_names]
    if allow_message:
        alts.append(_gbnf_literal("message:"))
    return "root ::= " + " | ".join(alts) + "\n"


def args_grammar(parameters: dict | None) -> str:
    """Step 3: a GBNF grammar for the tool's JSON arguments."""
    from llama_cpp.llama_grammar import SchemaConverter

    schema = clean_schema(parameters or {"type": "object", "properties": {}})
    schema.setdefault("type", "object")
    conv = SchemaConverter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
    schema = conv.resolve_refs(schema, "")
    conv.visit(schema, "")
    return conv.format_grammar()


_CHOICE = re.compile(r"^\s*(?:functions\.([A-Za-z0-9_\-]+)\s*:|message\s*:)", re.S)


def parse_choice(text: str, tool_names: Sequence[str]) -> str | None:
    """The tool chosen in step 2, or None for a message (or anything unrecognised)."""
    m = _CHOICE.match(text or "")
    if m and m.group(1) in tool_names:
        return m.group(1)
    return None


def parse_args(text: str) -> tuple[dict | None, str | None]:
    """(arguments, None) or (None, error) for the text generated in step 3."""
    s = (text or "").strip()
    try:
        value = json.loads(s)
    except json.JSONDecodeError as e:
        return None, f"arguments are not JSON ({e.msg})"
    if not isinstance(value, dict):
        return None, "arguments are not a JSON object"
    return value, None


def parse_tool_text(text: str, tool_names: Sequence[str]) -> AIMessage:
    """A whole answer in the prompt's format -> AIMessage (used for scripted replies and
    for answers that come back in one piece): ``functions.<name>:\\n{json}`` becomes a
    tool call, ``message:\\n...`` or anything else becomes text."""
    name = parse_choice(text, tool_names)
    if name is None:
        body = re.sub(r"^\s*message\s*:\s*", "", text or "", count=1)
        return AIMessage(content=body.strip())
    body = text.split(":", 1)[1]
    args, err = parse_args(body)
    call_id = f"call_{uuid.uuid4().hex[:12]}"
    if err:
        return AIMessage(content="", invalid_tool_calls=[{"name": name, "args": body.strip(), "id": call_id,
                                                          "error": err, "type": "invalid_tool_call"}])
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])


# -- the chat model ---------------------------------------------------------------------------
@dataclass
class CallRecord:
    seconds: float
    prompt_tokens: int
    tool: str | None
    trimmed: int


class LlamaToolChatModel(BaseChatModel):
    """LangChain chat model over a Completion backend (see the module docstring)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    backend: Any
    n_ctx: int = 2048
    max_tokens: int = 256
    model_name: str = "SmolLM2-135M-Instruct.Q4_1 (llama.cpp)"

    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    _records: list = PrivateAttr(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Any) -> "LlamaToolChatModel":
        path = str(settings.llm_model_path) if settings.llm_model_path else None
        backend = LlamaCompletion(path, n_threads=settings.llm_threads, n_ctx=settings.llm_ctx)
        return cls(backend=backend, n_ctx=settings.llm_ctx, max_tokens=settings.llm_max_tokens)

    @property
    def _llm_type(self) -> str:
        return "chuhai-llama-cpp-tools"

    @property
    def calls(self) -> int:
        return len(self._records)

    @property
    def records(self) -> list[CallRecord]:
        return list(self._records)

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None,
                   parallel_tool_calls: bool | None = None, **kwargs: Any):
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, parallel_tool_calls=parallel_tool_calls,
                         **kwargs)

    # -- one call ---------------------------------------------------------------------------
    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, *, tools: list[dict] | None = None,
                  tool_choice: Any = None, parallel_tool_calls: bool | None = None,
                  **kwargs: Any) -> ChatResult:
        lock = getattr(self.backend, "lock", None) or self._lock
        with lock:
            t0 = time.perf_counter()
            active = [] if tool_choice == "none" else list(tools or [])
            if isinstance(tool_choice, dict) or (isinstance(tool_choice, str) and tool_choice not in
                                                  ("auto", "none", "any", "required")):
                wanted = tool_choice["function"]["name"] if isinstance(tool_choice, dict) else tool_choice
                active = [t for t in active if t["function"]["name"] == wanted]
            must_call = bool(active) and tool_choice not in (None, "auto", "none")
            prompt, trimmed = self._fit(messages, active)
            stops = ["<|im_end|>", *(stop or [])]
            names = [t["function"]["name"] for t in active]
            chosen = None
            if active:
                picked = self.backend.complete(prompt, grammar=choice_grammar(names, allow_message=not must_call),
                                               max_tokens=32, stop=stops)
                chosen = parse_choice(picked, names)
            if chosen is None:
                head = "message:\n" if active else ""
                text = self.backend.complete(prompt + head, grammar=None, max_tokens=self.max_tokens, stop=stops)
                message = AIMessage(content=text.strip())
            else:
                params = next(t["function"].get("parameters") for t in active if t["function"]["name"] == chosen)
                body = self.backend.complete(prompt + f"functions.{chosen}:\n", grammar=args_grammar(params),
                                             max_tokens=self.max_tokens, stop=stops)
                message = parse_tool_text(f"functions.{chosen}:\n{body}", names)
            self._records.append(CallRecord(seconds=time.perf_counter() - t0,
                                            prompt_tokens=self.backend.count_tokens(prompt),
                                            tool=chosen, trimmed=trimmed))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _fit(self, messages: Sequence[BaseMessage], tools: list[dict]) -> tuple[str, int]:
        """The rendered prompt, dropping the oldest middle messages until it fits."""
        budget = self.n_ctx - self.max_tokens - 8
        msgs = list(messages)
        dropped = 0
        while True:
            prompt = self.backend.render(to_chat_dicts(msgs, tools))
            if self.backend.count_tokens(prompt) <= budget:
                return prompt, dropped
            keep_head = [i for i, m in enumerate(msgs) if isinstance(m, SystemMessage)]
            first_user = next((i for i, m in enumerate(msgs) if isinstance(m, HumanMessage)), None)
            if first_user is not None:
                keep_head.append(first_user)
            droppable = [i for i in range(len(msgs) - 1) if i not in keep_head]
            if not droppable:
                return prompt, dropped  # cannot shrink further; llama.cpp will refuse it
            del msgs[droppable[0]]
            dropped += 1


class ScriptedCompletion:
    """A Completion for tests: answers from a list (or a function of the prompt), renders
    ChatML, counts whitespace-separated tokens, and records every prompt and grammar."""

    def __init__(self, replies: list[str] | Callable[[str, str | None], str]):
        self.replies = replies if callable(replies) else list(replies)
        self.prompts: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()

    def render(self, messages: list[dict]) -> str:
        return chatml(messages)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def complete(self, prompt: str, *, grammar: str | None, max_tokens: int, stop: list[str]) -> str:
        self.prompts.append((prompt, grammar))
        if callable(self.replies):
            return self.replies(prompt, grammar)
        if not self.replies:
            raise AssertionError(f"ScriptedCompletion ran out of replies; prompt ends {prompt[-200:]!r}")
        return self.replies.pop(0)
