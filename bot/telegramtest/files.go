package telegramtest

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
)

var fileExt = map[string]string{
	"photo": ".jpg", "document": "", "voice": ".oga", "audio": ".mp3", "video": ".mp4",
	"animation": ".mp4", "video_note": ".mp4", "sticker": ".webp",
}

// newFileLocked registers a file and gives it a file_id and a file_path.
func (s *Server) newFileLocked(kind, name string, data []byte) *File {
	s.nextFileID++
	n := s.nextFileID
	f := &File{FileID: fmt.Sprintf("tt-%s-%d", kind, n), Name: name, Data: data}
	ext := fileExt[kind]
	if e := path.Ext(name); e != "" {
		ext = e
	}
	s.files[f.FileID] = f
	s.filePaths[fmt.Sprintf("%ss/file_%d%s", kind, n, ext)] = f.FileID
	return f
}

func uniqueID(fileID string) string { return "u" + fileID }

// fakeContent returns recognisable bytes for fake user media: the right
// magic number followed by a label.
func fakeContent(kind string, n int64) []byte {
	magic := map[string]string{
		"photo":   "\xff\xd8\xff\xe0",
		"sticker": "RIFF\x00\x00\x00\x00WEBP",
		"voice":   "OggS",
	}[kind]
	return []byte(fmt.Sprintf("%stelegramtest %s #%d", magic, kind, n+1))
}

// AddFile registers content the bot can later fetch with getFile and the
// file download path (or send by file_id), and returns its file_id.
func (s *Server) AddFile(name string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newFileLocked("document", name, slices.Clone(data)).FileID
}

// FileByID returns a known file (uploaded by the bot or sent by a user).
func (s *Server) FileByID(fileID string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	if !ok {
		return File{}, false
	}
	return *cloneFile(f), true
}

// inputFileLocked resolves an InputFile parameter: an uploaded part, an
// "attach://<part>" reference, a known file_id or an HTTP(S) URL. Uploaded
// files are registered and get a file_id, which is also written back into
// c.Files.
func (s *Server) inputFileLocked(kind, field string, c *Call) (*File, *apiError) {
	if up, ok := c.Files[field]; ok {
		return s.uploadLocked(kind, field, up, c)
	}
	v := strings.TrimSpace(c.Params[field])
	if name, ok := strings.CutPrefix(v, "attach://"); ok {
		up, ok := c.Files[name]
		if !ok {
			return nil, badRequest("wrong file identifier/HTTP URL specified")
		}
		return s.uploadLocked(kind, name, up, c)
	}
	return s.fileRefLocked(kind, v)
}

func (s *Server) uploadLocked(kind, part string, up File, c *Call) (*File, *apiError) {
	if len(up.Data) == 0 {
		return nil, badRequest("file must be non-empty")
	}
	f := s.newFileLocked(kind, up.Name, slices.Clone(up.Data))
	up.FileID = f.FileID
	c.Files[part] = up
	return f, nil
}

// fileRefLocked resolves a file_id or URL.
func (s *Server) fileRefLocked(kind, v string) (*File, *apiError) {
	if v == "" {
		return nil, badRequest("there is no " + kind + " in the request")
	}
	if f, ok := s.files[v]; ok {
		return f, nil
	}
	if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return s.newFileLocked(kind, path.Base(u.Path), nil), nil
	}
	return nil, badRequest("wrong file identifier/HTTP URL specified")
}

// filePathLocked returns the file_path of a file_id.
func (s *Server) filePathLocked(fileID string) string {
	for p, id := range s.filePaths {
		if id == fileID {
			return p
		}
	}
	return ""
}

// serveFile serves /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, p, ok := strings.Cut(rest, "/")
	if !ok || token != s.cfg.token {
		http.Error(w, `{"ok":false,"error_code":404,"description":"Not Found"}`, http.StatusNotFound)
		return
	}
	s.mu.Lock()
	var data []byte
	id, found := s.filePaths[p]
	if found {
		data = s.files[id].Data
	}
	s.mu.Unlock()
	if !found {
		http.Error(w, `{"ok":false,"error_code":404,"description":"Not Found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}
