package dev.sdembed.hub.internal;

/**
 * What a request is about, for messages: a repository at a revision, and maybe its commit and one file.
 *
 * @param commit null while the revision is not resolved
 * @param path   null for requests about the repository (revision, tree)
 */
public record HubTarget(String repoId, String revision, String commit, String path) {

    public HubTarget withCommit(String resolved) {
        return new HubTarget(repoId, revision, resolved, path);
    }

    public HubTarget withPath(String file) {
        return new HubTarget(repoId, revision, commit, file);
    }

    /** "file 'a/b.onnx' of org/name at revision 'main' (commit 0123…)" or "org/name at revision 'main'". */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (path != null) {
            s.append("file '").append(path).append("' of ");
        }
        s.append(repoId).append(" at revision '").append(revision).append('\'');
        if (commit != null && !commit.equals(revision)) {
            s.append(" (commit ").append(commit).append(')');
        }
        return s.toString();
    }
}
