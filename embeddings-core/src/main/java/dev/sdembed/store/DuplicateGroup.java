package dev.sdembed.store;

import dev.sdembed.hash.ContentHash;
import java.util.List;

/**
 * Images that are near-identical in one slot, two or more, ordered by path.
 *
 * @param members        the images
 * @param lowestLink     the smallest similarity among the links that joined the group (1.0 when all members share
 *                       one content)
 */
public record DuplicateGroup(List<Member> members, double lowestLink) {

    public DuplicateGroup {
        members = List.copyOf(members);
    }

    /** One image of a group and the content through which it was linked. */
    public record Member(long imageId, String path, ContentHash content) {
    }
}
