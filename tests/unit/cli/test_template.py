"""Go text/template as berth's --format runs it: every form docker users write, and Go's
error messages."""

import pytest

from berth.cli.template import ExecError, ParseError, Struct, go_float, go_json, parse, structs

DATA = structs({
    "Id": "3cfc8567757b", "Name": "/web",
    "State": {"Status": "running", "Pid": 12, "Running": True},
    "Config": {"Env": ["A=1", "B=2"], "Cmd": ["sleep", "1000"],
               "Labels": {"com.x": "1", "foo": "bar"}},
    "Mounts": [{"Source": "/a", "Destination": "/x"}, {"Source": "/b", "Destination": "/y"}],
    "Empty": [], "Nothing": None, "Ratio": 0.5,
}, maps=frozenset({"Labels"}))


def run(text: str, data: object = DATA, **kw: bool) -> str:
    return parse(text).execute(data, **kw)


@pytest.mark.parametrize(("text", "out"), [
    ("{{.Name}}", "/web"),
    ("{{.State.Status}}", "running"),
    ("{{.Config.Labels.foo}}", "bar"),
    ("{{.Config.Labels.nope}}", "<no value>"),
    ('{{index .Config.Labels "com.x"}}', "1"),
    ('{{index .Config.Labels "nope"}}', ""),
    ("{{index .Config.Env 1}}", "B=2"),
    ("{{json .}}", '{"Id":"3cfc8567757b","Name":"/web","State":{"Status":"running","Pid":12,'
                   '"Running":true},"Config":{"Env":["A=1","B=2"],"Cmd":["sleep","1000"],'
                   '"Labels":{"com.x":"1","foo":"bar"}},"Mounts":[{"Source":"/a",'
                   '"Destination":"/x"},{"Source":"/b","Destination":"/y"}],"Empty":[],'
                   '"Nothing":null,"Ratio":0.5}'),
    ("{{json .Config.Env}}", '["A=1","B=2"]'),
    ("{{json .Config.Labels}}", '{"com.x":"1","foo":"bar"}'),
    ("{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}", "/a:/x /b:/y "),
    ("{{range .Empty}}x{{else}}none{{end}}", "none"),
    ("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", "com.x=1;foo=bar;"),
    ("{{range $i, $e := .Config.Env}}{{if $i}},{{end}}{{$e}}{{end}}", "A=1,B=2"),
    ("{{range $e := .Config.Env}}{{$e}}{{end}}", "A=1B=2"),
    ("{{range .Config.Env}}{{if eq . \"B=2\"}}{{break}}{{end}}{{.}}{{end}}", "A=1"),
    ("{{range .Config.Env}}{{if eq . \"A=1\"}}{{continue}}{{end}}{{.}}{{end}}", "B=2"),
    ("{{if .State.Running}}up{{else}}down{{end}}", "up"),
    ("{{if .Nothing}}a{{else if .Empty}}b{{else}}c{{end}}", "c"),
    ("{{with .State}}{{.Pid}}{{end}}", "12"),
    ("{{with .Nothing}}x{{else}}y{{end}}", "y"),
    ("{{$x := .State.Pid}}{{$x}}", "12"),
    ("{{$x := 1}}{{$x = 2}}{{$x}}", "2"),
    ("{{with $s := .State}}{{$s.Status}}{{end}}", "running"),
    ("{{$.Name}}", "/web"),
    ("{{.Name | upper}}", "/WEB"),
    ("{{.Name | printf \"%s!\"}}", "/web!"),
    ('{{eq .State.Status "running"}}', "true"),
    ('{{eq .State.Status "x" "running"}}', "true"),
    ('{{ne .State.Pid 12}}', "false"),
    ("{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge \"b\" \"a\"}}", "true true false true"),
    ("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{not 0}}", "0 2 x true"),
    ("{{len .Config.Env}} {{len .Name}} {{len .Config.Labels}}", "2 4 2"),
    ('{{printf "%s-%d-%5.2f|%-4s|%q|%v|%t|%x" .Name 7 3.14159 "a" "q" .Config.Cmd true 255}}',
     '/web-7- 3.14|a   |"q"|[sleep 1000]|true|ff'),
    ('{{printf "%d"}}', "%!d(MISSING)"),
    ('{{printf "%d" "s"}}', "%!d(string=s)"),
    ('{{print 1 2 "a" 3}}', "1 2a3"),
    ('{{println 1 "a"}}', "1 a\n"),
    ('{{join .Config.Cmd ","}}', "sleep,1000"),
    ('{{split "a:b:c" ":"}}', "[a b c]"),
    ('{{lower "AbC"}} {{upper "abc"}} {{title "hello big-world"}}', "abc ABC Hello Big-World"),
    ("{{truncate .Id 5}} {{truncate \"ab\" 5}}", "3cfc8 ab"),
    ('{{pad "x" 2 3}}|{{pad "" 2 3}}|', "  x   ||"),
    ("{{.Config.Cmd}} {{.Config.Labels}} {{.State}}", "[sleep 1000] map[com.x:1 foo:bar] "
                                                       "{running 12 true}"),
    ("{{.Nothing}} {{.Ratio}} {{1e6}} {{0x10}} {{'a'}} {{-3}} {{nil | print}}",
     "<nil> 0.5 1e+06 16 97 -3 <nil>"),
    ('{{"a\\tb\\n"}}{{`raw\\t`}}', "a\tb\nraw\\t"),
    ("{{(index .Mounts 1).Source}}", "/b"),
    ("{{range 3}}{{.}}{{end}}", "012"),
    ("{{/* a comment */}}x{{- /* trimmed */ -}} y", "xy"),
])
def test_forms(text: str, out: str) -> None:
    assert run(text) == out


def test_whitespace_trimming() -> None:
    assert run("a  {{- .Name -}}  \n b") == "a/webb"
    assert run("a {{.Name}} b") == "a /web b"
    assert run("{{- .Name}}\n") == "/web\n"
    assert run("x\n{{- range .Config.Env}}\n  {{.}}\n{{- end}}\n") == "x\n  A=1\n  B=2\n"
    assert run("{{3 -}} < {{- 4}}") == "3<4"  # "-}}" needs its space: "3 -" is not "-3"


@pytest.mark.parametrize(("text", "message"), [
    ("{{.Foo", "template: :1: unclosed action"),
    ("{{foo}}", 'template: :1: function "foo" not defined'),
    ("{{end}}", "template: :1: unexpected {{end}}"),
    ("{{if 1}}x", "template: :1: unexpected EOF"),
    ("{{$y}}", 'template: :1: undefined variable "$y"'),
    ('{{"abc}}', "template: :1: unterminated quoted string"),
    ("{{}}", "template: :1: missing value for command"),
    ("{{.X | 1}}", "template: :1: non executable command in pipeline stage 2"),
    ("{{(.X}}", "template: :1: unclosed left paren"),
    ("{{.X)}}", "template: :1: unexpected right paren"),
    ("{{break}}", "template: :1: {{break}} outside {{range}}"),
    ("a\n{{.X !}}", "template: :2: bad character U+0021 '!'"),
])
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as e:
        parse(text)
    assert str(e.value) == message


@pytest.mark.parametrize(("text", "message"), [
    ("{{.Foo}}", 'template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"'),
    ("{{.Nope.X}}", 'template: :1:7: executing "" at <.Nope.X>: '
                    'map has no entry for key "Nope"'),
    ("{{.State.Status}}\n {{.State.Nope}}",
     'template: :2:9: executing "" at <.State.Nope>: map has no entry for key "Nope"'),
    ("{{upper .State.Pid}}", 'template: :1:14: executing "" at <.State.Pid>: '
                             "wrong type for value; expected string; got int"),
    ("{{.State.Pid | upper}}", 'template: :1:15: executing "" at <upper>: '
                               "wrong type for value; expected string; got int"),
    ("{{index .Config.Env 5}}", 'template: :1:2: executing "" at <index .Config.Env 5>: '
                                "error calling index: index out of range: 5"),
    ('{{eq .State.Pid "x"}}', 'template: :1:2: executing "" at <eq .State.Pid "x">: '
                              "error calling eq: incompatible types for comparison"),
    ("{{len .State.Pid}}", 'template: :1:2: executing "" at <len .State.Pid>: '
                           "error calling len: len of type int"),
    ("{{range .Ratio}}{{end}}", 'template: :1:8: executing "" at <.Ratio>: '
                                "range can't iterate over 0.5"),
])
def test_exec_errors(text: str, message: str) -> None:
    with pytest.raises(ExecError) as e:
        run(text)
    assert str(e.value) == message


def test_missing_keys_of_maps_and_structs() -> None:
    assert run("{{.a}}", {"b": 1}) == "<no value>"
    assert run("{{.a.b}}", {}) == "<no value>"
    with pytest.raises(ExecError, match='map has no entry for key "a"'):
        run("{{.a}}", {"b": 1}, strict=True)
    typed = Struct(Known=1)
    typed.type_name = "system.dockerInfo"
    with pytest.raises(ExecError, match=r"can.t evaluate field Nope in type system\.dockerInfo"):
        run("{{.Nope}}", typed)


def test_partial_output_of_a_failed_run() -> None:
    with pytest.raises(ExecError) as e:
        run("before {{.Foo}} after")
    assert e.value.partial == "before "  # type: ignore[attr-defined]


class Row:
    template_type = "*formatter.ContainerContext"

    def template_field(self, name: str) -> object:
        return {"ID": lambda: "abc", "Label": lambda k: {"a.b": "v"}.get(k, "")}.get(name)


def test_objects_answer_fields_by_methods() -> None:
    assert run('{{.ID}} {{.Label "a.b"}}|{{.Label "x"}}|', Row()) == "abc v||"
    with pytest.raises(ExecError) as e:
        run("{{.Foo}}", Row())
    assert str(e.value) == ('template: :1:2: executing "" at <.Foo>: '
                            "can't evaluate field Foo in type *formatter.ContainerContext")


def test_header_functions_keep_column_names() -> None:
    tmpl = parse('{{upper .A}} {{json .A}} {{truncate .A 2}} {{pad .A 1 1}}')
    assert tmpl.execute({"A": "NAME"}, header=True) == "NAME NAME NAME  NAME "


def test_structs_and_json() -> None:
    value = structs({"B": 1, "A": {"z": 1, "y": 2}, "Labels": {"K": "v"}, "E": {}},
                    maps=frozenset({"Labels"}))
    assert isinstance(value, Struct) and not isinstance(value["A"], Struct)
    assert not isinstance(value["Labels"], Struct) and not isinstance(value["E"], Struct)
    assert go_json(value) == '{"B":1,"A":{"y":2,"z":1},"Labels":{"K":"v"},"E":{}}'
    assert go_json("<a&b>") == '"<a&b>"'


def test_nil_slices_maps_and_pointers() -> None:
    value = structs({"Config": {"Env": None, "Volumes": None, "Cmd": ["x"]}},
                    maps=("Volumes",), lists=("Env", "Entrypoint"), pointers=("Health",))
    assert run("{{.Config.Env}} {{.Config.Volumes}} {{.Config.Entrypoint}} {{.Health}}",
               value) == "[] map[] [] <nil>"
    assert run("{{json .Config.Env}} {{json .Config.Volumes}} {{json .Config}}", value) == (
        'null null {"Env":null,"Volumes":null,"Cmd":["x"]}')
    with pytest.raises(ExecError, match='map has no entry for key "Nope"'):
        run("{{.Config.Nope}}", value)
    empty = structs({"Config": {}}, lists=("Cmd",), records=("Config",))
    assert run("{{.Config.Cmd}}", empty) == "[]"


@pytest.mark.parametrize(("value", "text"), [
    (0.0, "0"), (1.5, "1.5"), (100000.0, "100000"), (1e6, "1e+06"), (123456789.0,
                                                                       "1.23456789e+08"),
    (0.0001, "0.0001"), (0.00001, "1e-05"), (-2.5, "-2.5"),
])
def test_go_float(value: float, text: str) -> None:
    assert go_float(value) == text
