package knowledge

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TableColumns is the header a CSV or Excel KB must have (id optional, any order).
var TableColumns = []string{"id", "question", "answer", "similar", "category"}

// headerAliases lets authors use Chinese column names too.
var headerAliases = map[string]string{
	"id": "id", "编号": "id",
	"question": "question", "问题": "question",
	"answer": "answer", "答案": "answer", "回答": "answer",
	"similar": "similar", "相似问法": "similar",
	"category": "category", "分类": "category",
	"related": "related", "相关": "related", "相关问题": "related",
}

// tableRow is one data row with the line/row number it came from.
type tableRow struct {
	line  int
	cells []string
}

// ParseCSV reads a CSV KB (header id,question,answer,similar,category). Each bad
// row is reported with its line number; good rows are returned. The file may be
// UTF-8 (with or without a BOM) or GBK/GB18030, which is what Excel on Chinese
// Windows saves as "CSV"; any other encoding is reported, not read as garbage.
func ParseCSV(r io.Reader, file string) ([]Entry, []RowError) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, []RowError{{File: file, Line: 0, Reason: "读取失败：" + err.Error()}}
	}
	text, _, err := DecodeCSV(data)
	if err != nil {
		var ee *EncodingError
		line := 0
		if errors.As(err, &ee) {
			line = ee.Line
		}
		return nil, []RowError{{File: file, Line: line, Reason: err.Error()}}
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	var rows []tableRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			// A broken quote makes the rest of the file unreadable: stop here and
			// report it rather than guess where rows start.
			return nil, []RowError{{File: file, Line: line, Reason: "CSV 格式错误：" + err.Error()}}
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, tableRow{line: line, cells: rec})
	}
	return parseTable(rows, file)
}

// ParseXLSX reads the first sheet of an Excel KB with the same header as CSV.
// Row numbers are Excel's (the header is row 1).
func ParseXLSX(r io.Reader, file string) ([]Entry, []RowError) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, []RowError{{File: file, Line: 0, Reason: "无法打开 Excel 文件：" + err.Error()}}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, []RowError{{File: file, Line: 0, Reason: "Excel 文件没有工作表"}}
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, []RowError{{File: file, Line: 0, Reason: "无法读取工作表：" + err.Error()}}
	}
	defer it.Close()
	var rows []tableRow
	for n := 1; it.Next(); n++ {
		cells, err := it.Columns()
		if err != nil {
			return nil, []RowError{{File: file, Line: n, Reason: "无法读取该行：" + err.Error()}}
		}
		rows = append(rows, tableRow{line: n, cells: cells})
	}
	return parseTable(rows, file)
}

func parseTable(rows []tableRow, file string) ([]Entry, []RowError) {
	// Skip leading blank rows; the first non-blank row is the header.
	for len(rows) > 0 && blankRow(rows[0].cells) {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return nil, []RowError{{File: file, Line: 1, Reason: "文件为空，缺少表头 id,question,answer,similar,category"}}
	}
	cols, err := tableHeader(rows[0].cells)
	if err != "" {
		return nil, []RowError{{File: file, Line: rows[0].line, Reason: err}}
	}
	var (
		entries []Entry
		errs    []RowError
		seen    = map[string]int{} // ID → line of first use
	)
	for _, row := range rows[1:] {
		if blankRow(row.cells) {
			continue
		}
		e, reason := tableEntry(cols, row.cells)
		if reason == "" {
			if first, dup := seen[e.ID]; dup {
				reason = fmt.Sprintf("ID %s 与第 %d 行重复", e.ID, first)
			}
		}
		if reason != "" {
			errs = append(errs, RowError{File: file, Line: row.line, Reason: reason})
			continue
		}
		seen[e.ID] = row.line
		e.Source = sourceRef(file, row.line)
		entries = append(entries, e)
	}
	return entries, errs
}

// tableHeader maps column names to indexes, or explains what is wrong.
func tableHeader(cells []string) (map[string]int, string) {
	cols := map[string]int{}
	for i, c := range cells {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
		if name == "" {
			continue
		}
		key, ok := headerAliases[name]
		if !ok {
			return nil, fmt.Sprintf("表头有未知的列 %q（应为 id,question,answer,similar,category，可选 related）", c)
		}
		if _, dup := cols[key]; dup {
			return nil, fmt.Sprintf("表头的列 %q 重复", c)
		}
		cols[key] = i
	}
	for _, need := range []string{"question", "answer"} {
		if _, ok := cols[need]; !ok {
			return nil, "表头缺少 " + need + " 列（应为 id,question,answer,similar,category）"
		}
	}
	return cols, ""
}

func tableEntry(cols map[string]int, cells []string) (Entry, string) {
	get := func(k string) string {
		i, ok := cols[k]
		if !ok || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i])
	}
	e := Entry{
		ID:       get("id"),
		Question: get("question"),
		Answer:   get("answer"),
		Similar:  splitSimilar(get("similar")),
		Category: get("category"),
		Related:  splitSimilar(get("related")),
	}
	if e.ID == "" && e.Question != "" {
		e.ID = GenerateID(e.Question)
	}
	return e, validateEntry(&e)
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// EncodingGBK names the encoding DecodeCSV reports for a GBK/GB18030 file.
const EncodingGBK = "GBK"

// EncodingError says a CSV file is neither UTF-8 nor GBK.
type EncodingError struct {
	Line   int // first line with bytes that cannot be decoded (0: whole file)
	Reason string
}

func (e *EncodingError) Error() string { return e.Reason }

const saveAsUTF8 = "请在 Excel 中「另存为」选择「CSV UTF-8（逗号分隔）」后再试"

// DecodeCSV returns a CSV file's text as UTF-8 without a byte-order mark.
// UTF-8 is taken as is; otherwise the file is decoded as GB18030 (a superset
// of GBK) when every byte decodes, and enc is EncodingGBK. A file that is
// mostly UTF-8 with a few broken bytes, UTF-16, or undecodable either way is
// an *EncodingError naming the problem.
func DecodeCSV(data []byte) (text []byte, enc string, err error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, "", &EncodingError{Reason: "文件是 UTF-16 编码（Excel 的「Unicode 文本」），无法按 CSV 读取；" + saveAsUTF8}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if utf8.Valid(data) {
		return data, "", nil
	}
	// Count what UTF-8 makes of the bytes: a UTF-8 file damaged in a few places
	// would also "decode" as GB18030, into garbage.
	multi, bad, firstBad := 0, 0, -1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			bad++
			if firstBad < 0 {
				firstBad = i
			}
		case size > 1:
			multi++
		}
		i += max(size, 1)
	}
	badLine := 1 + bytes.Count(data[:firstBad], []byte("\n"))
	if multi > 10*bad {
		return nil, "", &EncodingError{Line: badLine, Reason: fmt.Sprintf("文件是 UTF-8 编码，但有 %d 处损坏的字节（首处在第 %d 行），无法可靠读取；请修正后再试", bad, badLine)}
	}
	decoded, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if derr == nil && utf8.Valid(decoded) && !bytes.ContainsRune(decoded, utf8.RuneError) {
		return bytes.TrimPrefix(decoded, []byte("\ufeff")), EncodingGBK, nil
	}
	return nil, "", &EncodingError{Line: badLine, Reason: fmt.Sprintf("文件编码无法识别：既不是 UTF-8 也不是 GBK（第 %d 行起有无法解码的字节）；%s", badLine, saveAsUTF8)}
}
