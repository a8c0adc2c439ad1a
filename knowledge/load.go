package knowledge

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SynonymsFile is the name of a KB directory's synonym table.
const SynonymsFile = "synonyms.txt"

// KB is a loaded knowledge base: its entries and the synonym table to index them with.
type KB struct {
	Entries  []Entry
	Synonyms SynonymTable // the KB's own table extended with DefaultSynonyms
	Files    []string     // source files read, in order
	// Config is the KB's kb.yaml, nil when there is none (or it is invalid:
	// then Problems says why and the defaults apply).
	Config *KBConfig
	// Problems are rejected rows; Entries holds only the good ones.
	Problems []RowError
}

// Err returns a *ParseError when any row was rejected, else nil.
func (kb *KB) Err() error {
	if len(kb.Problems) == 0 {
		return nil
	}
	return &ParseError{Errors: kb.Problems}
}

// IsSource reports whether a file name is a KB source the loader reads. Hidden
// files (an import's temp file) and editor backups are skipped.
func IsSource(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") || strings.HasPrefix(base, "~") || strings.HasSuffix(base, "~") {
		return false
	}
	switch strings.ToLower(filepath.Ext(base)) {
	case ".md", ".markdown", ".csv", ".xlsx":
		return true
	}
	return false
}

// Load reads a KB directory (every .md/.csv/.xlsx file in it, sorted, plus
// synonyms.txt) or a single source file. Rejected rows are in kb.Problems; an
// error is returned only when nothing sensible could be read, or when IDs clash
// across files (which would make feedback and links ambiguous).
func Load(path string) (*KB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("知识库路径无法读取：%w", err)
	}
	kb := &KB{}
	var files []string
	synPath, cfgPath := "", ""
	if st.IsDir() {
		des, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("知识库目录无法读取：%w", err)
		}
		for _, de := range des {
			if !de.IsDir() && IsSource(de.Name()) {
				files = append(files, filepath.Join(path, de.Name()))
			}
		}
		sort.Strings(files)
		synPath = filepath.Join(path, SynonymsFile)
		cfgPath = filepath.Join(path, ConfigFile)
	} else {
		files = []string{path}
		synPath = filepath.Join(filepath.Dir(path), SynonymsFile)
		cfgPath = filepath.Join(filepath.Dir(path), ConfigFile)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("知识库目录 %s 里没有 .md/.csv/.xlsx 文件", path)
	}
	var own SynonymTable
	if data, err := os.ReadFile(synPath); err == nil {
		var errs []RowError
		own, errs = ParseSynonyms(bytes.NewReader(data), filepath.Base(synPath))
		kb.Problems = append(kb.Problems, errs...)
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("同义词表无法读取：%w", err)
	}
	kb.Synonyms = own.Extend(DefaultSynonyms())
	if data, err := os.ReadFile(cfgPath); err == nil {
		var errs []RowError
		kb.Config, errs = ParseConfig(bytes.NewReader(data), ConfigFile)
		kb.Problems = append(kb.Problems, errs...)
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("知识库配置 %s 无法读取：%w", ConfigFile, err)
	}
	for _, f := range files {
		entries, errs, err := LoadFile(f)
		if err != nil {
			return nil, err
		}
		kb.Files = append(kb.Files, f)
		kb.Entries = append(kb.Entries, entries...)
		kb.Problems = append(kb.Problems, errs...)
	}
	if err := checkUniqueIDs(kb.Entries); err != nil {
		return nil, err
	}
	return kb, nil
}

// LoadFile parses one source file by its extension. The error is for an
// unreadable file; row problems come back as RowErrors.
func LoadFile(path string) ([]Entry, []RowError, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("无法读取 %s：%w", path, err)
	}
	entries, errs := ParseBytes(data, filepath.Base(path))
	return entries, errs, nil
}

// ParseBytes parses a source by its file name's extension.
func ParseBytes(data []byte, name string) ([]Entry, []RowError) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown":
		return ParseMarkdown(bytes.NewReader(data), name)
	case ".csv":
		return ParseCSV(bytes.NewReader(data), name)
	case ".xlsx":
		return ParseXLSX(bytes.NewReader(data), name)
	}
	return nil, []RowError{{File: name, Reason: "不支持的文件类型（支持 .md、.csv、.xlsx）"}}
}

func checkUniqueIDs(entries []Entry) error {
	seen := make(map[string]string, len(entries))
	for _, e := range entries {
		if src, dup := seen[e.ID]; dup {
			return fmt.Errorf("条目 ID %q 重复：%s 与 %s", e.ID, src, e.Source)
		}
		seen[e.ID] = e.Source
	}
	return nil
}

// Options returns opts with the policy thresholds of the KB's kb.yaml applied.
func (kb *KB) Options(opts Options) Options {
	opts.Policy = kb.Config.Apply(opts.Policy)
	return opts
}

// LoadIndex loads path and builds its index, with the policy thresholds of the
// KB's kb.yaml (if any) overriding opts.Policy. With strict set, any rejected
// row or config problem is an error (used by reload: a half-edited file must
// not replace a good index).
func LoadIndex(path string, opts Options, strict bool) (*Index, *KB, error) {
	kb, err := Load(path)
	if err != nil {
		return nil, nil, err
	}
	if strict {
		if err := kb.Err(); err != nil {
			return nil, kb, err
		}
	}
	if len(kb.Entries) == 0 {
		return nil, kb, fmt.Errorf("知识库 %s 没有任何有效条目", path)
	}
	opts, cal, err := kb.IndexOptions(opts)
	if err != nil {
		return nil, kb, err
	}
	ix, err := BuildIndex(kb.Entries, kb.Synonyms, opts)
	if err != nil {
		return nil, kb, err
	}
	ix.cal = cal
	return ix, kb, nil
}

// IndexOptions returns opts with the thresholds of kb.yaml applied and then,
// when opts.Calibrate is set and kb.yaml does not fix suggest_threshold, the
// suggest threshold calibrated to this KB (calibrate.go).
func (kb *KB) IndexOptions(opts Options) (Options, Calibration, error) {
	opts = kb.Options(opts)
	if !opts.Calibrate || kb.Config.fixesSuggestThreshold() {
		return opts, Calibration{}, nil
	}
	cal, err := Calibrate(kb.Entries, kb.Synonyms, opts)
	if err != nil {
		return opts, Calibration{}, err
	}
	opts.Policy = cal.Apply(opts.Policy)
	return opts, cal, nil
}
