package macos

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// apple reads testdata/apple-objc.txt: Apple's identifier of each symbol,
// and the raw value of each constant.
func apple(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/apple-objc.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := make(map[string]string)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if _, dup := out[fields[0]]; dup {
			t.Fatalf("%s twice", fields[0])
		}
		switch {
		case len(fields) == 2 && strings.HasPrefix(fields[1], "https://developer.apple.com/"):
			out[fields[0]] = ""
		case len(fields) == 4 && fields[1] == "=" && strings.HasPrefix(fields[3], "https://developer.apple.com/"):
			out[fields[0]] = fields[2]
		default:
			t.Fatalf("testdata line %q: want an identifier, an optional = value, and Apple's page", line)
		}
	}
	return out
}

// TestSurfaceMatchesAppleDocs: every message, class, protocol and raw
// value the package uses is Apple's, as documented, and the list of
// Apple's holds nothing the package does not use: a typo in a selector
// fails here rather than on a Mac.
func TestSurfaceMatchesAppleDocs(t *testing.T) {
	docs := apple(t)
	used := make(map[string]bool)
	check := func(id, want string) {
		got, ok := docs[id]
		switch {
		case !ok:
			t.Errorf("%s is not in Apple's documentation (testdata/apple-objc.txt)", id)
		case got != want:
			t.Errorf("%s = %s in Apple's documentation, %s here", id, got, want)
		}
		used[id] = true
	}
	for _, m := range Surface {
		if strings.Count(m.Selector, ":") != strings.Count(m.DocID(), ":")-1 && m.Kind != Setter {
			t.Errorf("%s: the identifier lost an argument", m.Selector)
		}
		check(m.DocID(), "")
	}
	for _, c := range Classes {
		check("c:objc(cs)"+c, "")
	}
	for _, p := range Protocols {
		check("c:objc(pl)"+p, "")
	}
	for _, c := range Constants {
		check(c.DocID(), strconv.Itoa(c.Value))
	}
	for _, v := range Symbols {
		check("c:@"+v, "")
	}
	for _, f := range Functions {
		check("c:@F@"+f, "")
	}
	for id := range docs {
		if !used[id] {
			t.Errorf("%s is listed from Apple's documentation but not used", id)
		}
	}
}

// TestOnlySurfaceIsSent: the native code sends only the selectors of
// Surface and names only the classes of Classes, always through the
// constants of surface.go, never a string written in place; and every
// entry of Surface is used.
func TestOnlySurfaceIsSent(t *testing.T) {
	consts := surfaceConstants(t)
	files, _ := filepath.Glob("*_darwin.go")
	if len(files) == 0 {
		t.Fatal("no native code found")
	}
	// The helpers that take a selector (or a class) by name, and where.
	takes := map[string]int{"send": 1, "sendInt": 1, "sendBool": 1, "sel": 0, "class": 0,
		"objc.RegisterName": 0, "objc.GetClass": 0, "objc.GetProtocol": 0, "getProtocol": 0, "stringSymbol": 0}
	usedSel := make(map[string]bool)
	fset := token.NewFileSet()
	// The helpers themselves pass a name on, and load registers every
	// Surface entry by its field.
	// The class maker's steps take the names its spec gives (checked
	// below, where the spec is written).
	helpers := map[string]bool{"sel": true, "class": true, "send": true, "sendInt": true, "sendBool": true, "call": true, "load": true,
		"loadAll": true, "stringSymbol": true, "allocate": true, "protocol": true, "addMethod": true}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			passes := helpers[fd.Name.Name]
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if lit, ok := n.(*ast.CompositeLit); ok {
					checkSpecs(t, fset, lit, consts, usedSel)
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var fn string
				switch f := call.Fun.(type) {
				case *ast.Ident:
					fn = f.Name
				case *ast.SelectorExpr:
					if x, ok := f.X.(*ast.Ident); ok && x.Name == "objc" {
						fn = "objc." + f.Sel.Name
					}
				}
				i, ok := takes[fn]
				if !ok || len(call.Args) <= i {
					return true
				}
				where := fset.Position(call.Pos())
				value := ""
				switch arg := call.Args[i].(type) {
				case *ast.Ident:
					v, known := consts[arg.Name]
					if !known && !passes {
						t.Errorf("%s: %s(%s) is not a name of surface.go", where, fn, arg.Name)
					}
					value = v
				case *ast.BasicLit:
					t.Errorf("%s: %s(%s): name it in surface.go", where, fn, arg.Value)
				default:
					if !passes {
						t.Errorf("%s: %s takes a constant of surface.go", where, fn)
					}
				}
				switch {
				case value == "":
				case fn == "class" || fn == "objc.GetClass":
					if !slices.Contains(Classes, value) {
						t.Errorf("%s: class %s is not in Classes", where, value)
					}
				case fn == "objc.GetProtocol":
					if !slices.Contains(Protocols, value) {
						t.Errorf("%s: protocol %s is not in Protocols", where, value)
					}
				default:
					usedSel[value] = true
				}
				return true
			})
		}
		// The class's spec and its methods are package variables.
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				ast.Inspect(g, func(n ast.Node) bool {
					if lit, ok := n.(*ast.CompositeLit); ok {
						checkSpecs(t, fset, lit, consts, usedSel)
					}
					return true
				})
			}
		}
	}
	// mainApp.call receives its selector from Register and Unregister.
	usedSel[selRegister], usedSel[selUnregister] = true, true
	for _, m := range Surface {
		if !usedSel[m.Selector] {
			t.Errorf("%s is in Surface but never sent", m.Selector)
		}
	}
}

// checkSpecs holds what a class is made of to surface.go: a method{}'s
// selector is a constant of it (and counts as sent), and a classSpec's
// superclass and protocols are its Classes and Protocols.
func checkSpecs(t *testing.T, fset *token.FileSet, lit *ast.CompositeLit, consts map[string]string, usedSel map[string]bool) {
	t.Helper()
	name := ""
	switch typ := lit.Type.(type) {
	case *ast.Ident:
		name = typ.Name
	case *ast.IndexListExpr:
		if id, ok := typ.X.(*ast.Ident); ok {
			name = id.Name
		}
	case *ast.IndexExpr:
		if id, ok := typ.X.(*ast.Ident); ok {
			name = id.Name
		}
	case *ast.ArrayType: // []method{{…}, …}: its elements' type is elided
		if id, ok := typ.Elt.(*ast.Ident); ok && id.Name == "method" {
			for _, e := range lit.Elts {
				if el, ok := e.(*ast.CompositeLit); ok {
					el.Type = id
					checkSpecs(t, fset, el, consts, usedSel)
				}
			}
		}
		return
	}
	value := func(e ast.Expr) (string, bool) {
		id, ok := e.(*ast.Ident)
		if !ok {
			t.Errorf("%s: %s takes the constants of surface.go", fset.Position(e.Pos()), name)
			return "", false
		}
		v, ok := consts[id.Name]
		if !ok {
			t.Errorf("%s: %s is not a name of surface.go", fset.Position(e.Pos()), id.Name)
		}
		return v, ok
	}
	switch name {
	case "method":
		if len(lit.Elts) > 0 {
			if v, ok := value(lit.Elts[0]); ok {
				usedSel[v] = true
			}
		}
	case "classSpec":
		for _, e := range lit.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			switch key := kv.Key.(*ast.Ident).Name; key {
			case "super":
				if v, ok := value(kv.Value); ok && !slices.Contains(Classes, v) {
					t.Errorf("%s: class %s is not in Classes", fset.Position(kv.Pos()), v)
				}
			case "protocols":
				for _, p := range kv.Value.(*ast.CompositeLit).Elts {
					if v, ok := value(p); ok && !slices.Contains(Protocols, v) {
						t.Errorf("%s: protocol %s is not in Protocols", fset.Position(p.Pos()), v)
					}
				}
			}
		}
	}
}

// surfaceConstants are the string constants surface.go declares.
func surfaceConstants(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "surface.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out[n.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	return out
}

func TestDocIDs(t *testing.T) {
	for _, c := range []struct {
		m    Message
		want string
	}{
		{Message{"UNUserNotificationCenter", "currentNotificationCenter", ClassMethod}, "c:objc(cs)UNUserNotificationCenter(cm)currentNotificationCenter"},
		{Message{"UNMutableNotificationContent", "setThreadIdentifier:", Setter}, "c:objc(cs)UNMutableNotificationContent(py)threadIdentifier"},
		{Message{"SMAppService", "mainAppService", ClassGetter}, "c:objc(cs)SMAppService(cpy)mainAppService"},
		{Message{"UNUserNotificationCenterDelegate", "userNotificationCenter:didReceiveNotificationResponse:withCompletionHandler:", ProtocolMethod},
			"c:objc(pl)UNUserNotificationCenterDelegate(im)userNotificationCenter:didReceiveNotificationResponse:withCompletionHandler:"},
	} {
		if got := c.m.DocID(); got != c.want {
			t.Errorf("%v: %s, want %s", c.m, got, c.want)
		}
	}
}
