#include "promql_scan.h"

#include <algorithm>
#include <cctype>

namespace tokensim {
namespace {

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// Where the string literal or comment starting at `i` ends (one past it), or `i` if none
// starts there.
size_t SkipLiteral(std::string_view s, size_t i) {
  const char c = s[i];
  if (c == '#') {
    const size_t nl = s.find('\n', i);
    return nl == std::string_view::npos ? s.size() : nl;
  }
  if (c != '"' && c != '\'' && c != '`') return i;
  size_t j = i + 1;
  while (j < s.size() && s[j] != c) j += (s[j] == '\\' && c != '`') ? 2 : 1;
  return std::min(j + 1, s.size());
}

// Calls visit(i, depth) for every byte outside literals; depth counts open brackets of any kind.
template <typename Visit>
void Scan(std::string_view s, Visit visit) {
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t skipped = SkipLiteral(s, i);
    if (skipped != i) {
      i = skipped;
      continue;
    }
    const char c = s[i];
    if (c == ')' || c == ']' || c == '}') --depth;
    visit(i, depth);
    if (c == '(' || c == '[' || c == '{') ++depth;
    ++i;
  }
}

size_t TrimRight(std::string_view s, size_t end) {
  while (end > 0 && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  return end;
}

size_t TrimLeft(std::string_view s, size_t begin, size_t end) {
  while (begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
  return begin;
}

}  // namespace

std::optional<TextSpan> LastTopLevelComparison(std::string_view expr) {
  std::optional<TextSpan> last;
  size_t skip_until = 0;
  Scan(expr, [&](size_t i, int depth) {
    if (depth != 0 || i < skip_until) return;
    const char c = expr[i];
    const char next = i + 1 < expr.size() ? expr[i + 1] : '\0';
    size_t len = 0;
    if ((c == '=' || c == '!') && next == '=') {
      len = 2;
    } else if (c == '>' || c == '<') {
      len = next == '=' ? 2 : 1;
    }
    if (len == 0) return;
    last = TextSpan{i, len};
    skip_until = i + len;
  });
  return last;
}

std::optional<TextSpan> TrailingNumber(std::string_view expr) {
  size_t end = TrimRight(expr, expr.size());
  if (end > 0 && (expr[end - 1] == '"' || expr[end - 1] == '\'')) end = TrimRight(expr, end - 1);
  size_t begin = end;
  auto digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(expr[i])) != 0; };
  // Exponent part.
  size_t p = end;
  while (p > 0 && digit(p - 1)) --p;
  if (p < end && p >= 2 && (expr[p - 1] == '+' || expr[p - 1] == '-') &&
      (expr[p - 2] == 'e' || expr[p - 2] == 'E')) {
    begin = p - 2;
  } else if (p < end && p >= 1 && (expr[p - 1] == 'e' || expr[p - 1] == 'E')) {
    begin = p - 1;
  } else {
    begin = end;
  }
  size_t mantissa_end = begin;
  p = mantissa_end;
  while (p > 0 && digit(p - 1)) --p;
  if (p > 0 && expr[p - 1] == '.') {
    --p;
    while (p > 0 && digit(p - 1)) --p;
  }
  if (p == mantissa_end) return std::nullopt;  // no mantissa digits
  if (std::string_view(expr.substr(p, mantissa_end - p)) == ".") return std::nullopt;
  if (p > 0 && (IsIdentChar(expr[p - 1]) || expr[p - 1] == '.')) return std::nullopt;  // x5, 1.2.3
  return TextSpan{p, end - p};
}

std::vector<TextSpan> RangeWindows(std::string_view expr) {
  std::vector<TextSpan> windows;
  Scan(expr, [&](size_t i, int) {
    if (expr[i] != '[') return;
    const size_t close = expr.find_first_of("]:", i + 1);
    if (close == std::string_view::npos) return;
    const size_t begin = TrimLeft(expr, i + 1, close);
    const size_t end = TrimRight(expr.substr(0, close), close);
    if (end > begin) windows.push_back(TextSpan{begin, end - begin});
  });
  return windows;
}

std::vector<Matcher> LabelMatchers(std::string_view expr) {
  std::vector<Matcher> matchers;
  Scan(expr, [&](size_t i, int) {
    if (expr[i] != '{') return;
    // Split the selector at commas outside string literals.
    std::vector<TextSpan> parts;
    size_t start = i + 1, j = i + 1;
    for (; j < expr.size() && expr[j] != '}';) {
      const size_t skipped = SkipLiteral(expr, j);
      if (skipped != j) {
        j = skipped;
        continue;
      }
      if (expr[j] == ',') {
        parts.push_back(TextSpan{start, j - start});
        start = j + 1;
      }
      ++j;
    }
    if (j >= expr.size()) return;
    parts.push_back(TextSpan{start, j - start});
    size_t name_end = i;
    while (name_end > 0 && std::isspace(static_cast<unsigned char>(expr[name_end - 1]))) --name_end;
    const bool has_name = name_end > 0 && IsIdentChar(expr[name_end - 1]);
    std::vector<size_t> real;  // parts that hold a matcher (a trailing comma leaves an empty one)
    for (size_t k = 0; k < parts.size(); ++k) {
      if (TrimLeft(expr, parts[k].pos, parts[k].pos + parts[k].len) < parts[k].pos + parts[k].len) {
        real.push_back(k);
      }
    }
    for (size_t r = 0; r < real.size(); ++r) {
      const TextSpan part = parts[real[r]];
      const size_t b = TrimLeft(expr, part.pos, part.pos + part.len);
      const size_t e = TrimRight(expr.substr(0, part.pos + part.len), part.pos + part.len);
      Matcher m;
      m.text = TextSpan{b, e - b};
      size_t n = b;
      while (n < e && IsIdentChar(expr[n])) ++n;
      m.name = std::string(expr.substr(b, n - b));
      m.only_one = real.size() == 1;
      m.has_metric_name = has_name;
      if (real[r] + 1 < parts.size()) {
        // Up to the next part's first non-blank byte: `a="1", b="2"` -> `b="2"`.
        const TextSpan next = parts[real[r] + 1];
        const size_t to = TrimLeft(expr, next.pos, next.pos + next.len);
        m.removal = TextSpan{b, to - b};
      } else if (r > 0) {
        // The last one: from the end of the previous matcher.
        const TextSpan prev = parts[real[r - 1]];
        const size_t from = TrimRight(expr.substr(0, prev.pos + prev.len), prev.pos + prev.len);
        m.removal = TextSpan{from, e - from};
      } else {
        m.removal = m.text;
      }
      matchers.push_back(std::move(m));
    }
  });
  return matchers;
}

namespace {

struct Word {
  TextSpan span;
  int depth = 0;
};

// The identifiers of `s` outside literals and label braces, with their bracket depth; `in_braces`
// tells which lie inside `{...}` or `[...]`, where they are label names, values or durations.
std::vector<Word> Words(std::string_view s, std::vector<bool>* in_braces) {
  std::vector<Word> words;
  std::vector<char> open;  // the bracket kinds enclosing the current byte
  size_t word_end = 0;
  Scan(s, [&](size_t i, int depth) {
    const char c = s[i];
    if (c == '(' || c == '[' || c == '{') open.push_back(c);
    if ((c == ')' || c == ']' || c == '}') && !open.empty()) open.pop_back();
    if (i < word_end || !IsIdentChar(c)) return;
    if (i > 0 && (IsIdentChar(s[i - 1]) || s[i - 1] == '.')) return;
    size_t end = i;
    while (end < s.size() && (IsIdentChar(s[end]) || s[end] == '.')) ++end;
    word_end = end;
    if (std::isdigit(static_cast<unsigned char>(c))) return;  // a number or a duration
    const bool braced = std::find(open.begin(), open.end(), '{') != open.end() ||
                        std::find(open.begin(), open.end(), '[') != open.end();
    words.push_back(Word{TextSpan{i, end - i}, depth});
    if (in_braces) in_braces->push_back(braced);
  });
  return words;
}

bool HasTopLevelSetOperator(std::string_view s) {
  for (const Word& w : Words(s, nullptr)) {
    const std::string_view text = w.span.In(s);
    if (w.depth == 0 && (text == "and" || text == "or" || text == "unless")) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  const size_t end = TrimRight(s, s.size());
  return s.substr(TrimLeft(s, 0, end), end - TrimLeft(s, 0, end));
}

// `s` without a leading `kw` (and the parenthesised list that follows it, if any).
bool StripKeyword(std::string_view* s, std::string_view kw) {
  if (s->substr(0, kw.size()) != kw || (s->size() > kw.size() && IsIdentChar((*s)[kw.size()]))) return false;
  std::string_view rest = Trim(s->substr(kw.size()));
  if (!rest.empty() && rest[0] == '(') {
    const size_t close = rest.find(')');
    if (close == std::string_view::npos) return false;
    rest = Trim(rest.substr(close + 1));
  }
  *s = rest;
  return true;
}

}  // namespace

std::optional<ComparisonSplit> SplitComparison(std::string_view expr) {
  const auto op = LastTopLevelComparison(expr);
  if (!op) return std::nullopt;
  std::string_view lhs = Trim(expr.substr(0, op->pos));
  std::string_view rhs = Trim(expr.substr(op->pos + op->len));
  StripKeyword(&rhs, "bool");
  if (StripKeyword(&rhs, "on") || StripKeyword(&rhs, "ignoring")) {
    if (!StripKeyword(&rhs, "group_left")) StripKeyword(&rhs, "group_right");
  }
  if (lhs.empty() || rhs.empty() || HasTopLevelSetOperator(lhs) || HasTopLevelSetOperator(rhs)) {
    return std::nullopt;
  }
  return ComparisonSplit{std::string(lhs), std::string(op->In(expr)), std::string(rhs)};
}

std::vector<std::string> BareIdentifiers(std::string_view expr) {
  std::vector<bool> braced;
  const std::vector<Word> words = Words(expr, &braced);
  std::vector<std::string> names;
  for (size_t k = 0; k < words.size(); ++k) {
    if (braced[k]) continue;
    size_t next = words[k].span.pos + words[k].span.len;
    while (next < expr.size() && std::isspace(static_cast<unsigned char>(expr[next]))) ++next;
    if (next < expr.size() && expr[next] == '(') continue;
    std::string name(words[k].span.In(expr));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  }
  return names;
}

std::string Replace(std::string_view text, TextSpan span, std::string_view with) {
  std::string out(text.substr(0, span.pos));
  out += with;
  out += text.substr(span.pos + span.len);
  return out;
}

}  // namespace tokensim
