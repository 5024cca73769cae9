"""In-kernel attacks of issue 12: code a student puts in a solution cell to
pass tests it did not earn, by hooking the kernel (input transformers, AST
transformers, run_cell, the kernel's Session), faking numpy, forging results,
or peeking at the tests. Graded against the runner fixture
(tests/test_runner_grading.py) and against every real master
(tests/test_grading_notebooks.py)."""

MAGIC = """
class Magic:
    # compares as equal and close to anything, and looks like an array
    shape = property(lambda self: (2,))
    dtype = property(lambda self: np.float64)
    __eq__ = __lt__ = __gt__ = __le__ = __ge__ = __ne__ = lambda self, other: True
    __sub__ = __rsub__ = __abs__ = __add__ = __mul__ = lambda self, *args: self
    __bool__ = lambda self: True
    __float__ = lambda self: 0.0
    __array__ = lambda self, *args, **kwargs: np.ones(2, dtype=bool)
    max = min = sum = all = any = lambda self, *args, **kwargs: self
"""

ATTACKS = {
    "input-transformers-cleanup": """
        get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
    """,
    "input-transformers-post-drop-asserts": """
        get_ipython().input_transformers_post.append(
            lambda lines: ["pass\\n"] if any("assert" in line for line in lines) else lines)
    """,
    "ast-transformer-try-except": """
        import ast
        class Swallow(ast.NodeTransformer):
            def visit_Module(self, node):
                handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None,
                                            body=[ast.Pass()])
                node.body = [ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[])
                             for statement in node.body]
                return ast.fix_missing_locations(node)
        get_ipython().ast_transformers.append(Swallow())
    """,
    "run-cell-async-replaced": """
        from IPython.core.interactiveshell import InteractiveShell
        _original_run_cell_async = InteractiveShell.run_cell_async
        async def run_cell_async(self, *args, **kwargs):
            result = await _original_run_cell_async(self, *args, **kwargs)
            result.error_in_exec = result.error_before_exec = None
            return result
        InteractiveShell.run_cell_async = run_cell_async
        InteractiveShell.showtraceback = lambda self, *args, **kwargs: None
    """,
    "session-send-patched": """
        _kernel = get_ipython().kernel
        _send = _kernel.session.send
        def send(stream, msg_or_type, content=None, parent=None, *args, **kwargs):
            if msg_or_type == "error":
                return None
            if msg_or_type == "execute_reply" and content and content.get("status") == "error":
                content = {"status": "ok", "execution_count": content.get("execution_count"),
                           "user_expressions": {}, "payload": []}
            return _send(stream, msg_or_type, content, parent, *args, **kwargs)
        _kernel.session.send = send
    """,
    "pre-run-cell-execute-result": """
        _ip = get_ipython()
        def say_ok(info):
            kernel = _ip.kernel
            kernel.session.send(kernel.iopub_socket, "execute_result",
                                {"data": {"text/plain": "'ok'"}, "metadata": {}, "execution_count": 1},
                                parent=kernel.get_parent("shell"))
        _ip.events.register("pre_run_cell", say_ok)
    """,
    "np-proxy-module": """
        import types, numpy
        class FakeArray:
            pass
        fake = types.ModuleType("numpy")
        fake.__dict__.update(numpy.__dict__)
        fake.ndarray = FakeArray
        fake.bool_ = bool
        fake.allclose = lambda *args, **kwargs: True
        fake.testing = types.SimpleNamespace(assert_allclose=lambda *args, **kwargs: None)
        np = fake
    """,
    "np-proxy-object": """
        import numpy as _real_numpy
        class Everything:
            def __getattr__(self, name):
                if name in ("allclose", "isclose", "array_equal"):
                    return lambda *args, **kwargs: True
                if name == "testing":
                    return self
                if name.startswith("assert_"):
                    return lambda *args, **kwargs: None
                return getattr(_real_numpy, name)
        np = Everything()
    """,
    "import-hook-fake-numpy": """
        import builtins, types, numpy as _real_numpy
        _fake = types.ModuleType("numpy")
        _fake.__dict__.update(_real_numpy.__dict__)
        _fake.allclose = lambda *args, **kwargs: True
        _original_import = builtins.__import__
        def hooked(name, *args, **kwargs):
            if name == "numpy":
                return _fake
            return _original_import(name, *args, **kwargs)
        builtins.__import__ = hooked
    """,
    "np-ndarray-is-magic": MAGIC + "np.ndarray = Magic\n",
}

PEEK = """
    import inspect, linecache, sys
    peeked = []
    def peek():
        if peeked:
            return
        peeked.append(True)
        found = [f"frame {frame.filename}: {frame.code_context}" for frame in inspect.stack()]
        found += ["".join(linecache.getlines(filename)) for filename in list(linecache.cache)]
        shell = get_ipython()
        found += list(shell.user_ns.get("In", [])) + [str(e) for e in shell.history_manager.input_hist_raw]
        for module in list(sys.modules.values()):
            for value in list(getattr(module, "__dict__", {}).values()):
                if isinstance(value, str) and "assert" in value:
                    found.append(value)
                elif isinstance(value, (list, tuple)):
                    found += [v for v in value[:1000] if isinstance(v, str) and "assert" in v]
        print("PEEKED:", "\\n".join(found)[-200000:])
"""
